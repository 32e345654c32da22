import Vapor

/// The messaging part of the OpenAPI document (issue 4; docs/messaging-api.md).
extension OpenAPIDocument {
    static var messagingSchemas: [String: JSONValue] {
        let platform = enumeration(["whatsapp", "bluesky", "mastodon", "instagram", "simulator"])
        return [
            "Channel": object([
                "id": uuid, "kind": enumeration(ChannelKind.allCases.map(\.rawValue)), "name": string, "platform": platform,
                "status": enumeration(["pending", "connected", "error", "disabled"]), "status_detail": nullable(string),
                "identity": nullable(string), "enabled": boolean, "webhook_url": nullable(string), "status_callback_url": nullable(string),
                "poll_interval_seconds": nullable(integer), "last_polled_at": nullable(dateTime), "created_at": dateTime, "updated_at": dateTime]),
            "ChannelPage": page("Channel"),
            "ChannelCreate": object([
                "kind": enumeration(ChannelKind.allCases.map(\.rawValue)), "name": string,
                "credentials": ["type": "object", "description": "Write-only. twilio_whatsapp: account_sid, auth_token, from_number, messaging_service_sid?; bluesky: handle, app_password, service_url?; mastodon: instance_url, access_token; instagram: business_account_id, access_token, graph_url?"],
                "poll_interval_seconds": integer], required: ["kind", "name"]),
            "ChannelPatch": object(["name": string, "credentials": ["type": "object"], "enabled": boolean, "poll_interval_seconds": integer]),
            "ChannelTest": object(["to": string, "text": string], required: ["to"]),
            "InboxSession": object([
                "id": uuid, "channel_id": uuid, "channel_name": string, "platform": platform,
                "contact": object(["id": uuid, "name": nullable(string), "handle": string, "customer_id": nullable(uuid),
                                    "customer_name": nullable(string)]),
                "is_owner": boolean,
                "last_message": ["anyOf": [object(["text": string, "direction": enumeration(["in", "out"]), "at": dateTime]), ["type": "null"]]],
                "unread_count": integer, "bot_active": boolean,
                "assignee": ["anyOf": [object(["id": uuid, "name": string]), ["type": "null"]]], "created_at": dateTime, "updated_at": dateTime]),
            "InboxSessionPage": page("InboxSession"),
            "Message": object([
                "id": uuid, "session_id": uuid, "seq": integer, "direction": enumeration(["in", "out"]),
                "author": enumeration(["contact", "bot", "staff", "assistant", "workflow", "system"]), "author_name": nullable(string),
                "text": string, "media": array(object(["url": string, "content_type": nullable(string)])), "transcript": nullable(string),
                "status": enumeration(["received", "queued", "sending", "sent", "delivered", "read", "failed", "undelivered"]),
                "error_code": nullable(string), "error_message": nullable(string), "created_at": dateTime, "updated_at": dateTime]),
            "MessagePage": object(["items": array(ref("Message")), "older_cursor": nullable(string), "newer_cursor": nullable(string)]),
            "Reply": object(["text": string, "media_url": string], required: ["text"]),
            "BotToggle": object(["active": boolean], required: ["active"]),
            "Simulate": object(["from": string, "name": string, "text": text(1, 1600), "as_owner": boolean], required: ["text"]),
            "Queued": object(["session_id": uuid, "message": ref("Message")]),
            "Reminder": object(["channel_id": uuid]),
            "InvoiceShare": object([
                "pdf_url": ["type": "string", "description": "A signed link to the PDF that works without signing in (30 days)."],
                "message": string,
                "whatsapp_url": ["type": ["string", "null"], "description": "https://wa.me/<number>?text=… when the customer has a phone number."],
                "email_url": ["type": ["string", "null"], "description": "mailto: with subject and body when the customer has an email."],
                "phone": nullable(string),
                "channel": ["anyOf": [object(["id": uuid, "name": string]), ["type": "null"]]]]),
            "Integration": object(["provider": enumeration(IntegrationProvider.allCases.map(\.rawValue)), "configured": boolean,
                                   "fields": array(string), "updated_at": nullable(dateTime)]),
            "IntegrationPage": page("Integration"),
            "IntegrationSave": object(["credentials": ["type": "object", "additionalProperties": string,
                                                        "description": "razorpay: key_id, key_secret; google_sheets: service_account_json; shiprocket: email, password. Write-only."]],
                                      required: ["credentials"]),
        ]
    }

    static var messagingOperations: [Op] {
        [
            Op(.channels, tag: "Channels", summary: "Connected channels (credentials are never returned)", response: "ChannelPage"),
            Op(.channelCreate, tag: "Channels", summary: "Connect a channel; its credentials are verified in the background",
               body: "ChannelCreate", status: 201, response: "Channel", idempotent: true),
            Op(.channel, tag: "Channels", summary: "Get a channel", response: "Channel"),
            Op(.channelUpdate, tag: "Channels", summary: "Rename, replace credentials, enable or disable", body: "ChannelPatch", response: "Channel"),
            Op(.channelDelete, tag: "Channels", summary: "Remove a channel (its conversations stay readable)", status: 204),
            Op(.channelTest, tag: "Channels", summary: "Really send a test message through the outbox",
               body: "ChannelTest", status: 202, response: "Message"),
            Op(.inboxSessions, tag: "Inbox", summary: "Conversations, most recent first", response: "InboxSessionPage",
               query: listQuery + [("platform", "whatsapp, bluesky, mastodon, instagram or simulator"), ("unread", "true: only unread"), ("q", "Search contacts and messages")]),
            Op(.inboxSession, tag: "Inbox", summary: "One conversation", response: "InboxSession"),
            Op(.inboxMessages, tag: "Inbox", summary: "Messages in ascending seq; page with before or after",
               response: "MessagePage", query: [("limit", "1–200 (default 50)"), ("before", "older_cursor: older messages"), ("after", "newer_cursor: newer messages")]),
            Op(.inboxReply, tag: "Inbox", summary: "Reply (queued in the outbox)", body: "Reply", status: 202,
               response: "Message", idempotent: true),
            Op(.inboxBot, tag: "Inbox", summary: "Turn the customer bot on or off", body: "BotToggle", response: "InboxSession"),
            Op(.inboxRead, tag: "Inbox", summary: "Mark the conversation read", response: "InboxSession"),
            Op(.inboxMedia, tag: "Inbox",
               summary: "An inbound message's audio or image, fetched from its provider with the channel's credentials (a voice note to play)",
               produces: ["audio/*", "image/*"]),
            Op(.simulatorMessages, tag: "Inbox", summary: "Simulate an inbound message (as a customer, or as the owner's number)",
               body: "Simulate", status: 202, response: "Queued"),
            Op(.customerReminders, tag: "Customers", summary: "Send a payment reminder over WhatsApp (or the simulator)",
               body: "Reminder", status: 202, response: "Queued", idempotent: true),
            Op(.invoiceShare, tag: "Invoices", summary: "The message, signed PDF link, wa.me and mailto links to share an issued invoice",
               response: "InvoiceShare"),
            Op(.invoiceSend, tag: "Invoices", summary: "Send an issued invoice with its PDF from the connected WhatsApp channel (409 no_channel without one)",
               body: "Reminder", status: 202, response: "Queued", idempotent: true),
            Op(.integrations, tag: "Integrations", summary: "Razorpay, Google Sheets and Shiprocket: configured or not", response: "IntegrationPage"),
            Op(.integrationSave, tag: "Integrations", summary: "Store a provider's credentials (encrypted, write-only)",
               body: "IntegrationSave", response: "Integration"),
            Op(.integrationRemove, tag: "Integrations", summary: "Forget a provider's credentials", status: 204),
        ]
    }
}
