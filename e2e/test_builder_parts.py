"""Browser tests of the builder's parts the main stories do not reach (issue 15 §6 split the
builder into modules): auto-layout of an unplaced draft, zoom and fit, palette search, router
branches (add, remove, JSON condition), the variable picker, deleting a step from the panel, and
opening a run by its address."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from test_assistant import api_headers
from test_ledger_flow import signup, tid
from test_workflows import RUN_TIMEOUT_MS, blueprint, create_simulator_channel, edge, node, select_node


def unplaced_workflow(page: Page) -> dict:
    """The main story's blueprint with every step at (0, 0), as the architect may draft it."""
    bp = blueprint("Unplaced")
    for n in bp["nodes"]:
        n["position"] = {"x": 0, "y": 0}
    r = page.request.post("/api/v1/workflows", headers=api_headers(page), data={"name": bp["name"], "blueprint": bp})
    assert r.status == 201, r.text()
    return r.json()


def left_top(page: Page, node_id: str) -> tuple[float, float]:
    x, y = node(page, node_id).evaluate("el => [parseFloat(el.style.left), parseFloat(el.style.top)]")
    return x, y


def test_layout_zoom_palette_and_panel(page: Page) -> None:
    signup(page)
    wf = unplaced_workflow(page)
    page.goto(f"/#/workflows/{wf['id']}")
    expect(node(page, "send_message_2")).to_be_visible()

    # Opening an unplaced blueprint lays it out left to right: the trigger first, no two steps on one spot.
    spots = {n: left_top(page, n) for n in ("trigger", "router", "send_message", "send_message_2")}
    assert len(set(spots.values())) == 4, spots
    assert spots["trigger"][0] < spots["router"][0] < spots["send_message"][0] == spots["send_message_2"][0]
    expect(tid(page, "wf-save-state")).to_have_attribute("data-state", "saved")

    # Auto-layout again keeps the same columns and marks the workflow changed.
    tid(page, "wf-auto-layout").click()
    expect(tid(page, "wf-announce")).to_have_text("Steps arranged from left to right.")
    expect(tid(page, "wf-save-state")).to_have_attribute("data-state", "dirty")
    assert left_top(page, "router")[0] == spots["router"][0]

    # Zoom in, out and fit.
    level = tid(page, "wf-zoom-level").inner_text()
    tid(page, "wf-zoom-in").click()
    expect(tid(page, "wf-zoom-level")).not_to_have_text(level)
    tid(page, "wf-zoom-out").click()
    expect(tid(page, "wf-zoom-level")).to_have_text(level)
    tid(page, "wf-fit").click()
    expect(tid(page, "wf-zoom-level")).to_have_text(re.compile(r"^\d+%$"))

    # The palette's search hides what does not match.
    tid(page, "wf-palette-search").fill("wait")
    palette = tid(page, "wf-palette")
    expect(palette.locator('[data-testid="palette-item"][data-key="delay/wait"]')).to_be_visible()
    expect(palette.locator('[data-testid="palette-item"][data-key="router/route"]')).to_be_hidden()
    palette.locator('[data-testid="palette-item"][data-key="delay/wait"]').click()
    expect(node(page, "wait")).to_be_visible()
    expect(tid(page, "wf-config").get_by_test_id("wf-config-id")).to_have_text("wait")
    tid(page, "wf-palette-search").fill("")
    expect(palette.locator('[data-testid="palette-item"][data-key="router/route"]')).to_be_visible()

    # Deleting a step from the panel takes its connections with it.
    tid(page, "wf-delete-node").click()
    expect(node(page, "wait")).to_have_count(0)
    expect(tid(page, "wf-panel-intro")).to_be_visible()

    # Router branches: a new branch is a new port; removing it drops the port again.
    panel = select_node(page, "router")
    expect(panel.get_by_test_id("wf-branch")).to_have_count(1)
    panel.get_by_test_id("branch-add").click()
    expect(panel.get_by_test_id("wf-branch")).to_have_count(2)
    expect(node(page, "router").locator('[data-testid="wf-port-out"][data-port="branch_2"]')).to_have_count(1)
    panel.get_by_test_id("branch-remove").nth(1).click()
    expect(panel.get_by_test_id("wf-branch")).to_have_count(1)
    expect(node(page, "router").locator('[data-testid="wf-port-out"][data-port="branch_2"]')).to_have_count(0)
    # Renaming a branch's port carries its connection along.
    panel.get_by_test_id("branch-port").fill("large")
    expect(edge(page, "router", "large", "send_message")).to_have_count(1)
    # The condition as JSON and back.
    panel.get_by_test_id("branch-json-toggle").click()
    expect(panel.get_by_test_id("branch-when-json")).to_have_value(re.compile(r'"op": ">="'))
    panel.get_by_test_id("branch-simple-toggle").click()
    expect(panel.get_by_test_id("branch-op")).to_have_value(">=")

    # The variable picker inserts at the cursor of the last text field.
    panel = select_node(page, "send_message")
    text = panel.get_by_test_id("param-text")
    text.fill("Hi ")
    text.click()
    page.keyboard.press("End")
    panel.get_by_test_id("wf-vars").locator("summary").click()
    panel.locator('[data-testid="wf-var"][data-path="trigger.amount"]').click()
    expect(text).to_have_value("Hi {{trigger.amount}}")

    # Escape clears the selection.
    node(page, "send_message").focus()
    page.keyboard.press("Escape")
    expect(tid(page, "wf-panel-intro")).to_be_visible()


def test_run_opened_by_its_address(page: Page) -> None:
    signup(page)
    create_simulator_channel(page)
    wf = unplaced_workflow(page)
    headers = api_headers(page)
    r = page.request.post(f"/api/v1/workflows/{wf['id']}/runs", headers=headers, data={"payload": {"amount": 1500}})
    assert r.status == 201, r.text()
    run = r.json()
    page.goto(f"/#/workflows/{wf['id']}?run={run['id']}")
    expect(tid(page, "wf-monitor")).to_be_visible()
    expect(tid(page, "wf-run-status")).to_have_attribute("data-status", "succeeded", timeout=RUN_TIMEOUT_MS)
    expect(node(page, "send_message")).to_have_attribute("data-step-status", "succeeded")
    expect(node(page, "send_message_2")).to_have_attribute("data-step-status", re.compile("skipped|pending"))
    expect(edge(page, "router", "big", "send_message")).to_have_class(re.compile(r"\bis-taken\b"))
    panel = select_node(page, "send_message")
    expect(panel.get_by_test_id("wf-step-detail")).to_be_visible()
    tid(page, "wf-monitor-exit").click()
    expect(tid(page, "wf-monitor")).to_be_hidden()
    expect(node(page, "send_message")).not_to_have_attribute("data-step-status", "succeeded")
    expect(page).to_have_url(re.compile(rf"#/workflows/{wf['id']}$"))


def test_whatsapp_template_mode_maps_the_purposes_values(page: Page) -> None:
    """The WhatsApp step's template mode (issue 18 §3): the purpose by name, then one field per value
    that purpose's templates use, each taking typed text or an inserted variable; saved as
    `template` and `template_values`."""
    signup(page)
    wf = unplaced_workflow(page)
    page.goto(f"/#/workflows/{wf['id']}")
    panel = select_node(page, "send_message")
    values = panel.get_by_test_id("param-template_values")
    expect(values).to_contain_text("Choose a template above")
    panel.get_by_test_id("param-template").select_option("payment_reminder")
    expect(panel.get_by_test_id("param-template").locator("option:checked")).to_have_text("Payment reminder")
    for key, label in (("customer_name", "Customer name"), ("business_name", "Shop name"),
                       ("amount_due", "Amount due"), ("payment_link", "Payment link or UPI ID")):
        expect(values.get_by_label(label, exact=True)).to_have_attribute("data-testid", f"param-template_values-{key}")
    values.get_by_test_id("param-template_values-customer_name").fill("Ramesh ji")
    # A variable from the picker goes into the value field last focused.
    values.get_by_test_id("param-template_values-amount_due").click()
    panel.get_by_test_id("wf-vars").locator("summary").click()
    panel.locator('[data-testid="wf-var"][data-path="trigger.amount"]').click()
    expect(values.get_by_test_id("param-template_values-amount_due")).to_have_value("{{trigger.amount}}")
    amount = "{{trigger.amount}}"
    tid(page, "wf-save").click()
    expect(tid(page, "wf-save-state")).to_have_attribute("data-state", "saved")
    saved = page.request.get(f"/api/v1/workflows/{wf['id']}").json()
    step = next(n for n in saved["blueprint"]["nodes"] if n["id"] == "send_message")
    assert step["params"]["template"] == "payment_reminder", step["params"]
    assert step["params"]["template_values"] == {"customer_name": "Ramesh ji", "amount_due": amount}, step["params"]

    # Back to text only: the values wait for a template again (and stay saved until changed).
    panel.get_by_test_id("param-template").select_option("")
    expect(values).to_contain_text("Choose a template above")
