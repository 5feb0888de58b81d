"""The cases behind the mediation figures, on the mediation stats' known mix."""

from __future__ import annotations

from tests.server.figures.conftest import drill, every_figure_adds_up

MARCH = {"organisation": "LN-SY-HP", "from": "2026-03-01", "to": "2026-03-31"}


def ids(rows: list[dict]) -> set[int]:
    return {row["instance"] for row in rows}


def test_every_mediation_figure_lists_as_many_cases_as_it_counts(client_for, mediation_mix):
    supervisor = client_for("supervisor")
    counts = every_figure_adds_up(supervisor, "mediation", MARCH)
    assert (counts["counts.received"], counts["counts.accepted"], counts["counts.concluded"]) == (6, 5, 3)
    assert counts["counts.escalations.administrative"] == 3 and counts["counts.escalations.judicial"] == 1
    assert counts["counts.overdue"] == counts["overdue"] == 2

    case = {name: row["id"] for name, row in mediation_mix.items()}
    assert ids(drill(supervisor, "mediation", "overdue", MARCH)) == {case["overrun"], case["late"]}
    assert ids(drill(supervisor, "mediation", "counts.agreements_by_level.people", MARCH)) == {
        case["settled"]
    }
    administrative = drill(supervisor, "mediation", "counts.agreements_by_level.administrative", MARCH)
    assert ids(administrative) == {case["risky"]}
    assert administrative[0]["organisation"]["code"] == "LN-SY-HP-NH"  # the township office
    judicial = drill(supervisor, "mediation", "counts.escalations.judicial", MARCH)
    assert ids(judicial) == {case["referred"]} and judicial[0]["milestone_at"] is not None
    concluded = ids(drill(supervisor, "mediation", "counts.concluded", MARCH))
    assert concluded == {case["settled"], case["risky"], case["referred"]}
    # The township office sees its own cases; the county above it sees them too.
    station = drill(client_for("station"), "mediation", "counts.received", {"from": "2026-03-01"})
    assert len(station) == 6


def test_mediation_cases_are_for_staff_in_scope(client_for, mediation):
    assert drill(client_for("applicant"), "mediation", "counts.received", {}, status=403)["status"] == 403
    assert drill(
        client_for("station"), "mediation", "counts.received", {"organisation": "LN-SY-HP"}, status=404
    )
