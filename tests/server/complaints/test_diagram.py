"""What the complaint diagram promises: stages for the applicant, milestones for the figures,
deadlines only by name, and warnings and escalations that never stop the caseworker's task."""

from __future__ import annotations

from pathlib import Path

from lxml import etree

DIAGRAM = Path(__file__).resolve().parents[3] / "bpmn" / "complaint" / "complaint.bpmn"
NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "spiff": "http://spiffworkflow.org/bpmn/schema/1.0/core",
}
ROOT = etree.parse(str(DIAGRAM)).getroot()


def properties(node) -> dict[str, str]:
    return {p.get("name"): p.get("value") for p in node.iterfind(".//spiff:property", NS)}


def test_every_user_task_and_end_event_tells_the_applicant_where_the_case_is():
    nodes = [*ROOT.iterfind(".//bpmn:userTask", NS), *ROOT.iterfind(".//bpmn:endEvent", NS)]
    missing = [node.get("id") for node in nodes if " / " not in (properties(node).get("stage") or "")]
    assert not missing


def test_the_diagram_records_every_milestone_the_figures_count():
    recorded = {properties(node).get("milestone") for node in ROOT.iter() if isinstance(node.tag, str)}
    assert {
        "complaint.received",
        "complaint.eligible",
        "complaint.ineligible",
        "complaint.acceptance_warning",
        "complaint.acceptance_overdue",
        "complaint.accepted",
        "complaint.reply_warning",
        "complaint.reply_overdue",
        "complaint.replied",
        "complaint.feedback",
    } <= recorded


def test_deadlines_come_from_named_settings_and_warnings_never_interrupt_the_work():
    scripts = "\n".join(node.text or "" for node in ROOT.iterfind(".//bpmn:script", NS))
    for key in ("complaint.acceptance", "complaint.reply", "complaint.feedback"):
        assert f'deadline("{key}"' in scripts
    timers = ROOT.findall(".//bpmn:boundaryEvent", NS)
    for event in timers:
        when = event.find(".//bpmn:timeDate", NS).text.strip()
        assert when in {"acceptance_warn", "acceptance_due", "reply_warn", "reply_due", "feedback_due"}
        if event.get("id") != "feedback_timeout":
            assert event.get("cancelActivity") == "false", event.get("id")
    hosts = {event.get("attachedToRef") for event in timers if event.get("cancelActivity") == "false"}
    assert hosts == {"check_eligibility", "accept", "investigate", "write_reply", "approve_reply"}
    for task in ROOT.iterfind(".//bpmn:userTask", NS):
        if task.get("id") in hosts:
            assert properties(task)["dueDate"] in {"acceptance_due", "reply_due"}
