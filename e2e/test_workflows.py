"""Browser tests of the workflow builder and runs (docs/workflows-api.md).

The main story builds a workflow from the palette with real mouse gestures — a manual trigger,
a router with one branch ("big" when {{trigger.amount}} >= 1000) and two WhatsApp messages, one on
"big" and one on "else" — saves it, runs it with test data {"amount": 1500} and watches the
monitor until the run has succeeded, the "big" message has been sent and the other one skipped.
Then: the runs list and a run's detail page; and the builder's keyboard operation and its
warning before unsaved changes are lost."""

from __future__ import annotations

import json
import re

from playwright.sync_api import Locator, Page, expect

from test_assistant import api_headers
from test_inbox import eventually
from test_ledger_flow import go, signup, tid

UUID = r"[0-9a-fA-F-]{36}"
RUN_TIMEOUT_MS = 30_000


def create_simulator_channel(page: Page) -> None:
    """WhatsApp steps without a channel_id send through the business's simulator channel."""
    r = page.request.post("/api/v1/channels", headers=api_headers(page),
                          data={"kind": "simulator", "name": "Sim", "credentials": {}})
    assert r.status == 201, r.text()


def node(page: Page, node_id: str) -> Locator:
    return page.locator(f'[data-testid="wf-node"][data-node-id="{node_id}"]')


def centre(loc: Locator) -> tuple[float, float]:
    box = loc.bounding_box()
    assert box is not None, f"{loc} is not on screen"
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def drag(page: Page, start: tuple[float, float], end: tuple[float, float]) -> None:
    """A real mouse drag: press, move in steps, release."""
    page.mouse.move(*start)
    page.mouse.down()
    page.mouse.move(start[0] + 6, start[1] + 6, steps=3)
    page.mouse.move(*end, steps=12)
    page.mouse.up()


def drop_from_palette(page: Page, key: str, x: float, y: float) -> None:
    """Drags a palette entry onto the canvas at (x, y) relative to the canvas's top-left corner."""
    box = tid(page, "wf-canvas").bounding_box()
    item = tid(page, "wf-palette").locator(f'[data-testid="palette-item"][data-key="{key}"]')
    item.scroll_into_view_if_needed()
    drag(page, centre(item), (box["x"] + x, box["y"] + y))


def out_port(page: Page, node_id: str, port: str) -> Locator:
    return node(page, node_id).locator(f'[data-testid="wf-port-out"][data-port="{port}"]')


def connect(page: Page, source: str, port: str, target: str) -> None:
    drag(page, centre(out_port(page, source, port)), centre(node(page, target).get_by_test_id("wf-port-in")))
    expect(edge(page, source, port, target)).to_have_count(1)


def edge(page: Page, source: str, port: str, target: str) -> Locator:
    return page.locator(f'[data-testid="wf-edge"][data-source="{source}"][data-port="{port}"][data-target="{target}"]')


def select_node(page: Page, node_id: str) -> Locator:
    """Clicks a step's title and returns the settings panel showing it."""
    node(page, node_id).get_by_test_id("wf-node-title").click()
    panel = tid(page, "wf-config")
    expect(panel.get_by_test_id("wf-config-id")).to_have_text(node_id)
    return panel


def blueprint(name: str) -> dict:
    return {
        "name": name,
        "nodes": [
            {"id": "trigger", "kind": "trigger", "service": "manual", "task": "start",
             "params": {"sample_payload": {"amount": 1500}}, "position": {"x": 0, "y": 0}},
            {"id": "router", "kind": "router", "service": "router", "task": "route",
             "params": {"branches": [{"port": "big", "when": {"left": "{{trigger.amount}}", "op": ">=", "right": 1000}}]},
             "position": {"x": 300, "y": 0}},
            {"id": "send_message", "kind": "action", "service": "whatsapp", "task": "send_message",
             "params": {"to": "+919812345678", "text": "Big order of {{trigger.amount}}"}, "position": {"x": 600, "y": 0}},
            {"id": "send_message_2", "kind": "action", "service": "whatsapp", "task": "send_message",
             "params": {"to": "+919812345679", "text": "Thanks for {{trigger.amount}}"}, "position": {"x": 600, "y": 200}},
        ],
        "edges": [
            {"source": "trigger", "source_port": "out", "target": "router"},
            {"source": "router", "source_port": "big", "target": "send_message"},
            {"source": "router", "source_port": "else", "target": "send_message_2"},
        ],
    }


def test_build_save_run_and_monitor(page: Page) -> None:
    page.set_viewport_size({"width": 1920, "height": 1080})
    signup(page)
    create_simulator_channel(page)

    go(page, "workflows", "Workflows")
    expect(tid(page, "wf-list").get_by_test_id("empty-state")).to_be_visible()
    tid(page, "wf-new").click()
    expect(tid(page, "page-title")).to_have_text("New workflow")
    expect(tid(page, "wf-canvas-empty")).to_be_visible()
    # Every catalog node is in the palette, grouped.
    catalog = page.request.get("/api/v1/workflows/catalog").json()
    expect(tid(page, "palette-item")).to_have_count(len(catalog["nodes"]))

    # The trigger is dropped from the palette with a real drag, and gets the id "trigger".
    drop_from_palette(page, "manual/start", 170, 200)
    expect(node(page, "trigger")).to_be_visible()
    expect(tid(page, "wf-canvas-empty")).to_be_hidden()
    panel = tid(page, "wf-config")
    expect(panel.get_by_test_id("wf-config-id")).to_have_text("trigger")
    sample = panel.get_by_test_id("param-sample_payload")
    sample.fill("{amount: 1500")
    sample.press("Tab")
    expect(panel.get_by_test_id("param-sample_payload-json-error")).to_contain_text("Not valid JSON")
    sample.fill('{"amount": 1500}')
    sample.press("Tab")
    expect(panel.get_by_test_id("param-sample_payload-json-error")).to_be_empty()

    # The router is added by a click (next to the selected trigger); its branch: big when amount >= 1000.
    tid(page, "wf-palette").locator('[data-testid="palette-item"][data-key="router/route"]').click()
    expect(node(page, "router")).to_be_visible()
    panel.get_by_test_id("branch-port").fill("big")
    panel.get_by_test_id("branch-left").fill("{{trigger.amount}}")
    panel.get_by_test_id("branch-op").select_option(">=")
    panel.get_by_test_id("branch-right").fill("1000")
    router = node(page, "router")
    expect(router.locator('[data-testid="wf-port-out"]')).to_have_count(3)  # big, else, error
    expect(out_port(page, "router", "big")).to_be_visible()
    expect(out_port(page, "router", "else")).to_be_visible()

    # Two WhatsApp messages, both dropped from the palette: readable, unique ids.
    drop_from_palette(page, "whatsapp/send_message", 780, 110)
    expect(node(page, "send_message")).to_be_visible()
    drop_from_palette(page, "whatsapp/send_message", 780, 400)
    expect(node(page, "send_message_2")).to_be_visible()

    # Connections: two drawn with the mouse, the third with the keyboard-friendly panel.
    connect(page, "trigger", "out", "router")
    connect(page, "router", "big", "send_message")
    panel = select_node(page, "router")
    panel.get_by_test_id("wf-conn-port").select_option("else")
    panel.get_by_test_id("wf-conn-target").select_option("send_message_2")
    panel.get_by_test_id("wf-conn-add").click()
    expect(edge(page, "router", "else", "send_message_2")).to_have_count(1)
    expect(tid(page, "wf-edge")).to_have_count(3)

    # The "big" message: the text gets its variable from the picker, at the cursor.
    panel = select_node(page, "send_message")
    expect(panel.get_by_test_id("param-channel_id")).to_contain_text("Sim (simulator)")
    panel.get_by_test_id("param-to").fill("+919812345678")
    text = panel.get_by_test_id("param-text")
    text.fill("Big order of ₹ today")
    text.evaluate("el => el.setSelectionRange(14, 14)")  # after "₹"
    panel.get_by_test_id("wf-vars").locator("summary").click()
    panel.locator('[data-testid="wf-var"][data-path="trigger.amount"]').click()
    expect(text).to_have_value("Big order of ₹{{trigger.amount}} today")
    # Ancestors' outputs are offered too (the router's chosen port), the steps after it are not.
    expect(panel.locator('[data-testid="wf-var"][data-path="steps.router.port"]')).to_have_count(1)
    expect(panel.locator('[data-testid="wf-var"][data-path^="steps.send_message_2."]')).to_have_count(0)

    panel = select_node(page, "send_message_2")
    panel.get_by_test_id("param-to").fill("+919812345679")
    # Until the text is filled, validation marks the step.
    expect(node(page, "send_message_2").get_by_test_id("wf-node-issues")).to_be_visible()
    expect(panel.get_by_test_id("wf-node-issue").first).to_be_visible()
    panel.get_by_test_id("param-text").fill("Thanks for your order of {{trigger.amount}}")

    # A name, then the server finds nothing wrong.
    tid(page, "wf-name").fill("Big order alert")
    expect(tid(page, "wf-valid-status")).to_have_attribute("data-state", "ok")
    expect(page.locator('[data-testid="wf-node-issues"]')).to_have_count(0)
    expect(tid(page, "wf-issues-banner")).to_be_hidden()
    expect(tid(page, "wf-save-state")).to_have_text("Unsaved changes")

    # Save: version 1, and the address becomes the workflow's.
    tid(page, "wf-save").click()
    expect(tid(page, "wf-version")).to_have_text("Version 1")
    expect(tid(page, "wf-save-state")).to_have_text("All changes saved")
    expect(page).to_have_url(re.compile(rf"#/workflows/{UUID}$"))
    workflow_id = page.url.rsplit("/", 1)[-1]
    saved = page.request.get(f"/api/v1/workflows/{workflow_id}").json()
    assert saved["name"] == "Big order alert"
    assert {n["id"] for n in saved["blueprint"]["nodes"]} == {"trigger", "router", "send_message", "send_message_2"}
    assert {(e["source"], e["source_port"], e["target"]) for e in saved["blueprint"]["edges"]} == {
        ("trigger", "out", "router"), ("router", "big", "send_message"), ("router", "else", "send_message_2")}
    big = next(n for n in saved["blueprint"]["nodes"] if n["id"] == "send_message")
    assert big["params"]["text"] == "Big order of ₹{{trigger.amount}} today"
    routed = next(n for n in saved["blueprint"]["nodes"] if n["id"] == "router")
    assert routed["params"]["branches"] == [{"port": "big", "when": {"left": "{{trigger.amount}}", "op": ">=", "right": 1000}}]

    # Run with test data, prefilled from the trigger's sample payload.
    tid(page, "wf-run-test").click()
    dialog = tid(page, "run-dialog")
    payload = dialog.get_by_test_id("run-payload")
    expect(payload).to_be_enabled()  # the test data has arrived
    assert json.loads(payload.input_value()) == {"amount": 1500}
    dialog.get_by_test_id("run-submit").click()
    expect(dialog).to_have_count(0)

    # The monitor follows the run live: big path sent, the other skipped.
    monitor = tid(page, "wf-monitor")
    expect(monitor).to_be_visible()
    expect(page).to_have_url(re.compile(rf"#/workflows/{workflow_id}\?run={UUID}$"))
    expect(monitor.get_by_test_id("wf-run-status")).to_have_attribute("data-status", "succeeded", timeout=RUN_TIMEOUT_MS)
    expect(node(page, "send_message")).to_have_attribute("data-step-status", "succeeded", timeout=RUN_TIMEOUT_MS)
    expect(node(page, "send_message_2")).to_have_attribute("data-step-status", "skipped", timeout=RUN_TIMEOUT_MS)
    expect(node(page, "router")).to_have_attribute("data-step-status", "succeeded")
    expect(node(page, "trigger")).to_have_attribute("data-step-status", "succeeded")
    expect(edge(page, "router", "big", "send_message")).to_have_class(re.compile(r"\bis-taken\b"))

    # The selected step shows what went in and came out.
    panel = select_node(page, "send_message")
    detail = panel.get_by_test_id("wf-step-detail")
    expect(detail.get_by_test_id("step-status")).to_have_attribute("data-status", "succeeded")
    expect(detail.get_by_test_id("wf-step-input")).to_contain_text("Big order of ₹1500 today")

    run_id = page.url.rsplit("=", 1)[-1]
    run = page.request.get(f"/api/v1/runs/{run_id}").json()
    assert run["status"] == "succeeded", run
    steps = {s["node_id"]: s["status"] for s in run["steps"]}
    assert steps.get("send_message") == "succeeded" and steps.get("send_message_2") == "skipped", steps


def test_runs_list_and_run_detail(page: Page) -> None:
    signup(page)
    create_simulator_channel(page)
    headers = api_headers(page)
    r = page.request.post("/api/v1/workflows", headers=headers,
                          data={"name": "Order thanks", "blueprint": blueprint("Order thanks")})
    assert r.status == 201, r.text()
    workflow = r.json()
    r = page.request.post(f"/api/v1/workflows/{workflow['id']}/runs", headers=headers, data={"payload": {"amount": 250}})
    assert r.status == 201, r.text()
    run_id = r.json()["id"]
    eventually(page, lambda: page.request.get(f"/api/v1/runs/{run_id}").json()["status"] in ("succeeded", "failed"),
               timeout_ms=RUN_TIMEOUT_MS, what="the run to finish")
    assert page.request.get(f"/api/v1/runs/{run_id}").json()["status"] == "succeeded"

    # The list shows the workflow with its trigger, version and last run.
    go(page, "workflows", "Workflows")
    row = tid(page, "wf-row").filter(has_text="Order thanks")
    expect(row).to_have_count(1)
    expect(row.get_by_test_id("wf-row-trigger")).to_have_text("Run by hand")
    expect(row.get_by_test_id("wf-row-version")).to_have_text("v1")
    expect(row.get_by_test_id("wf-row-active")).to_have_attribute("aria-checked", "false")
    expect(row.get_by_test_id("run-status")).to_have_attribute("data-status", "succeeded")

    # This workflow's runs, filterable by status.
    row.get_by_test_id("wf-row-runs").click()
    expect(page).to_have_url(re.compile(rf"#/workflows/{workflow['id']}/runs$"))
    expect(tid(page, "page-title")).to_have_text("Runs of Order thanks")
    run_row = tid(page, "run-row")
    expect(run_row).to_have_count(1)
    expect(run_row.get_by_test_id("run-status")).to_have_attribute("data-status", "succeeded")
    tid(page, "runs-filter-status").select_option("failed")
    expect(tid(page, "runs-list").get_by_test_id("empty-state")).to_be_visible()
    tid(page, "runs-filter-status").select_option("")
    expect(tid(page, "run-row")).to_have_count(1)

    # The run's detail: payload and every step with its state; the small amount took "else".
    tid(page, "run-row").get_by_test_id("run-row-link").click()
    expect(page).to_have_url(re.compile(rf"#/runs/{run_id}$"))
    expect(tid(page, "run-detail-status").get_by_test_id("run-status")).to_have_attribute("data-status", "succeeded")
    expect(tid(page, "run-payload")).to_contain_text('"amount": 250')
    # Steps are named as in the palette, with the node id beside the name.
    step = page.locator('[data-testid="run-step"][data-node-id="send_message_2"]')
    expect(step.get_by_test_id("run-step-title")).to_have_text("Send WhatsApp message")
    expect(step.get_by_test_id("run-step-node")).to_have_text("send_message_2")
    steps = tid(page, "run-step")
    expect(steps.first).to_be_visible()
    expect(page.locator('[data-testid="run-step"][data-node-id="send_message_2"]')).to_have_attribute("data-status", "succeeded")
    expect(page.locator('[data-testid="run-step"][data-node-id="router"]').get_by_test_id("step-port")).to_have_text("else")
    sent = page.locator('[data-testid="run-step"][data-node-id="send_message_2"]')
    sent.get_by_test_id("run-step-input-block").locator("summary").click()
    expect(sent.get_by_test_id("run-step-input")).to_contain_text("Thanks for 250")
    expect(tid(page, "run-cancel")).to_have_count(0)  # finished runs can't be cancelled

    # Open it in the builder's monitor.
    tid(page, "run-open-builder").click()
    expect(tid(page, "wf-monitor").get_by_test_id("wf-run-status")).to_have_attribute("data-status", "succeeded")
    expect(node(page, "send_message_2")).to_have_attribute("data-step-status", "succeeded")
    expect(node(page, "send_message")).not_to_have_attribute("data-step-status", "succeeded")


def order_reply(body: dict) -> dict:
    """A webhook workflow without a sample payload that answers with `body`."""
    return {
        "name": "Order reply",
        "nodes": [
            {"id": "trigger", "kind": "trigger", "service": "webhook", "task": "receive", "params": {}, "position": {"x": 0, "y": 0}},
            {"id": "reply", "kind": "action", "service": "respond", "task": "respond",
             "params": {"status": 200, "body": body}, "position": {"x": 300, "y": 0}},
        ],
        "edges": [{"source": "trigger", "source_port": "out", "target": "reply"}],
    }


def test_test_data_from_the_fields_used_and_run_again_from_the_start(page: Page) -> None:
    """Issue 19 §4: a webhook workflow that has never received anything runs with test data built
    from the fields it uses; a failed run, once the workflow is fixed, runs again from the start."""
    signup(page)
    headers = api_headers(page)
    r = page.request.post("/api/v1/workflows", headers=headers,
                          data={"name": "Order reply", "blueprint": order_reply({"order": "{{trigger.order.id}}", "amount": "{{trigger.amount | rupees}}"})})
    assert r.status == 201, r.text()
    wid = r.json()["id"]

    # The dialog is prefilled with the fields the workflow uses, and that data runs it through.
    page.goto(f"/#/workflows/{wid}")
    tid(page, "wf-run-test").click()
    dialog = tid(page, "run-dialog")
    payload = dialog.get_by_test_id("run-payload")
    expect(payload).to_be_enabled()
    assert json.loads(payload.input_value()) == {"order": {"id": "TEST-1"}, "amount": 150000}
    expect(dialog).to_contain_text("Built from the trigger fields this workflow uses")
    dialog.get_by_test_id("run-submit").click()
    expect(tid(page, "wf-monitor").get_by_test_id("wf-run-status")).to_have_attribute("data-status", "succeeded", timeout=RUN_TIMEOUT_MS)

    # A run without the data fails at its first variable …
    r = page.request.post(f"/api/v1/workflows/{wid}/runs", headers=headers, data={"payload": {"amount": 100}})
    assert r.status == 201, r.text()
    failed = r.json()["id"]
    eventually(page, lambda: page.request.get(f"/api/v1/runs/{failed}").json()["status"] == "failed",
               timeout_ms=RUN_TIMEOUT_MS, what="the run to fail")
    # … the workflow is fixed, and the failed run runs again from the start as a new run.
    r = page.request.put(f"/api/v1/workflows/{wid}", headers=headers,
                         data={"name": "Order reply", "blueprint": order_reply({"amount": "{{trigger.amount}}"})})
    assert r.status == 200, r.text()
    page.goto(f"/#/runs/{failed}")
    expect(tid(page, "run-detail-status").get_by_test_id("run-status")).to_have_attribute("data-status", "failed")
    tid(page, "run-restart").click()
    expect(page).not_to_have_url(re.compile(rf"#/runs/{failed}$"))
    expect(page).to_have_url(re.compile(rf"#/runs/{UUID}$"))
    expect(tid(page, "run-detail-status").get_by_test_id("run-status")).to_have_attribute("data-status", "succeeded", timeout=RUN_TIMEOUT_MS)
    expect(tid(page, "run-payload")).to_contain_text('"amount": 100')
    assert page.request.get(f"/api/v1/runs/{failed}").json()["status"] == "failed"


def test_money_settings_are_in_rupees(page: Page) -> None:
    """Issue 19 §4: a step's amount is shown and typed in rupees; the blueprint keeps paise."""
    signup(page)
    bp = {
        "name": "Record UPI",
        "nodes": [
            {"id": "trigger", "kind": "trigger", "service": "manual", "task": "start", "params": {}, "position": {"x": 0, "y": 0}},
            {"id": "pay", "kind": "action", "service": "ledger", "task": "record_payment",
             "params": {"customer_id": "{{trigger.customer_id}}", "amount": 50000, "mode": "upi"}, "position": {"x": 300, "y": 0}},
        ],
        "edges": [{"source": "trigger", "source_port": "out", "target": "pay"}],
    }
    r = page.request.post("/api/v1/workflows", headers=api_headers(page), data={"name": "Record UPI", "blueprint": bp})
    assert r.status == 201, r.text()
    wid = r.json()["id"]
    page.goto(f"/#/workflows/{wid}")
    panel = select_node(page, "pay")
    amount = panel.get_by_test_id("param-amount")
    expect(amount).to_have_value("500")
    expect(panel.locator(f'label[for="{amount.get_attribute("id")}"]')).to_have_text(re.compile(r"Amount \(₹\)"))
    amount.fill("abc")
    expect(panel.get_by_test_id("param-amount-money-error")).to_contain_text("in rupees")
    amount.fill("₹1,499.50")
    expect(panel.get_by_test_id("param-amount-money-error")).to_have_text("")
    tid(page, "wf-save").click()
    expect(tid(page, "wf-version")).to_have_text("Version 2")
    saved = page.request.get(f"/api/v1/workflows/{wid}").json()
    pay = next(n for n in saved["blueprint"]["nodes"] if n["id"] == "pay")
    assert pay["params"]["amount"] == 149950, pay


def test_builder_keyboard_and_unsaved_changes_warning(page: Page) -> None:
    signup(page)
    page.goto("/#/workflows/new")
    expect(tid(page, "page-title")).to_have_text("New workflow")

    # Enter on a focused palette entry adds the step; the first trigger is "trigger".
    trigger_item = tid(page, "wf-palette").locator('[data-testid="palette-item"][data-key="webhook/receive"]')
    trigger_item.focus()
    page.keyboard.press("Enter")
    expect(node(page, "trigger")).to_be_visible()
    # A webhook trigger offers its URL once saved; its secret is a password field.
    expect(tid(page, "wf-webhook")).to_contain_text("Save the workflow to get its webhook URL")
    expect(tid(page, "wf-config").get_by_test_id("param-secret")).to_have_attribute("type", "password")

    delay_item = tid(page, "wf-palette").locator('[data-testid="palette-item"][data-key="delay/wait"]')
    delay_item.focus()
    page.keyboard.press("Space")
    wait = node(page, "wait")
    expect(wait).to_be_visible()

    # A connection made from the panel is selected by clicking it and removed with Delete.
    panel = select_node(page, "trigger")
    panel.get_by_test_id("wf-conn-target").select_option("wait")
    panel.get_by_test_id("wf-conn-add").click()
    line = edge(page, "trigger", "out", "wait")
    expect(line).to_have_count(1)
    line.locator(".wf-edge-hit").click()
    expect(line).to_have_class(re.compile(r"\bis-selected\b"))
    expect(tid(page, "wf-delete-edge")).to_be_visible()
    page.keyboard.press("Delete")
    expect(line).to_have_count(0)

    # Focus the step, select it with Enter, move it with the arrows, clear with Escape, delete with Delete.
    wait.focus()
    page.keyboard.press("Enter")
    expect(wait).to_have_attribute("aria-pressed", "true")
    left = wait.evaluate("el => parseFloat(el.style.left)")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert wait.evaluate("el => parseFloat(el.style.left)") == left + 20
    page.keyboard.press("Escape")
    expect(wait).to_have_attribute("aria-pressed", "false")
    page.keyboard.press("Enter")
    page.keyboard.press("Delete")
    expect(wait).to_have_count(0)
    expect(node(page, "trigger")).to_be_visible()

    # Leaving with unsaved changes asks first; staying keeps the work.
    expect(tid(page, "wf-save-state")).to_have_text("Unsaved changes")
    tid(page, "nav-dashboard").click()
    confirm = tid(page, "confirm-dialog")
    expect(confirm).to_be_visible()
    confirm.get_by_test_id("confirm-cancel").click()
    expect(confirm).to_have_count(0)
    expect(page).to_have_url(re.compile(r"#/workflows/new$"))
    expect(node(page, "trigger")).to_be_visible()
    # Leaving anyway goes on to the page asked for.
    tid(page, "nav-dashboard").click()
    tid(page, "confirm-dialog").get_by_test_id("confirm-ok").click()
    expect(tid(page, "page-title")).to_have_text("Dashboard")
