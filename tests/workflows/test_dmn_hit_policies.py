"""Decision tables follow DMN 1.3's hit policies, with overlapping rules, across a save/restore."""

from __future__ import annotations

from typing import Any

import pytest

from tests.workflows.support import decision_table, load_package
from workflows import DeployFailed, Engine, EngineError

# For an amount of 5000 the first three rules all match; for 500 only the first; for 50 none.
OVERLAPPING = [
    ("> 100", ('"low"', "1")),
    ("> 1000", ('"medium"', "2")),
    ("> 3000", ('"high"', "3")),
    ("> 10000", ('"high"', "4")),
]
LEVELS = {"level": '"high","medium","low"'}  # highest priority first


def _files(dmn: bytes) -> dict[str, bytes]:
    """The score diagram with its amount form, and `dmn` as the decision it calls."""
    return {**load_package("hit_policies"), "score.dmn": dmn}


def decide(engine: Engine, dmn: bytes, amount: int, **data: Any) -> dict[str, Any]:
    """Enter `amount` and return the data the review task sees, saving and restoring between steps."""
    package = engine.compile(_files(dmn))
    started = engine.start(package, "score", data).snapshot()
    running = engine.restore(package, started.state)
    [enter] = running.ready_tasks()
    running.complete(enter.task_id, {"amount": amount})
    decided = running.snapshot()
    [review] = engine.restore(package, decided.state).ready_tasks()
    assert review.bpmn_id == "review"
    return review.data


def test_unique_fails_at_the_task_when_two_rules_match(engine: Engine) -> None:
    dmn = decision_table("UNIQUE", OVERLAPPING)
    with pytest.raises(EngineError) as failed:
        decide(engine, dmn, 5000)
    assert failed.value.element_id == "decide"
    message = str(failed.value)
    assert "UNIQUE" in message and "1, 2, 3" in message and "score_decision" in message


def test_unique_with_one_match_decides_and_with_none_sets_nothing(engine: Engine) -> None:
    dmn = decision_table("UNIQUE", OVERLAPPING)
    assert decide(engine, dmn, 500)["level"] == "low"
    assert "level" not in decide(engine, dmn, 50)


def test_first_takes_the_first_match_in_rule_order(engine: Engine) -> None:
    data = decide(engine, decision_table("FIRST", OVERLAPPING), 5000)
    assert (data["level"], data["points"]) == ("low", 1)


def test_priority_takes_the_match_whose_output_comes_first_in_the_output_values(engine: Engine) -> None:
    data = decide(engine, decision_table("PRIORITY", OVERLAPPING, output_values=LEVELS), 5000)
    assert (data["level"], data["points"]) == ("high", 3)
    # Rule order does not matter: the same rules upside down decide the same.
    upside_down = decision_table("PRIORITY", OVERLAPPING[::-1], output_values=LEVELS)
    assert decide(engine, upside_down, 5000)["level"] == "high"


def test_priority_breaks_ties_on_the_next_output_with_values(engine: Engine) -> None:
    rules = [("> 100", ('"high"', "1")), ("> 1000", ('"high"', "2")), ("> 3000", ('"low"', "3"))]
    dmn = decision_table("PRIORITY", rules, output_values={**LEVELS, "points": "2, 1, 3"})
    data = decide(engine, dmn, 5000)
    assert (data["level"], data["points"]) == ("high", 2)


def test_any_accepts_several_matches_that_agree(engine: Engine) -> None:
    agreeing = [("> 100", ('"review"', "1")), ("> 1000", ('"review"', "1")), ("> 3000", ('"review"', "1"))]
    data = decide(engine, decision_table("ANY", agreeing), 5000)
    assert (data["level"], data["points"]) == ("review", 1)


def test_any_fails_when_matches_disagree(engine: Engine) -> None:
    with pytest.raises(EngineError) as failed:
        decide(engine, decision_table("ANY", OVERLAPPING), 5000)
    assert "ANY" in str(failed.value) and "1, 2, 3" in str(failed.value)


def test_collect_gives_every_match_in_rule_order(engine: Engine) -> None:
    data = decide(engine, decision_table("COLLECT", OVERLAPPING), 5000)
    assert data["level"] == ["low", "medium", "high"]
    assert data["points"] == [1, 2, 3]
    empty = decide(engine, decision_table("COLLECT", OVERLAPPING), 50)
    assert (empty["level"], empty["points"]) == ([], [])


@pytest.mark.parametrize(
    ("aggregation", "at_5000", "at_50"),
    [("SUM", 6, None), ("COUNT", 3, 0), ("MIN", 1, None), ("MAX", 3, None)],
)
def test_collect_aggregates_the_matches(
    engine: Engine, aggregation: str, at_5000: int, at_50: int | None
) -> None:
    rules = [(cell, (points,)) for cell, (_, points) in OVERLAPPING]
    dmn = decision_table("COLLECT", rules, outputs=("points",), aggregation=aggregation)
    assert decide(engine, dmn, 5000)["points"] == at_5000
    assert decide(engine, dmn, 50)["points"] == at_50


def test_rule_order_lists_matches_by_rule_and_output_order_by_priority(engine: Engine) -> None:
    by_rule = decide(engine, decision_table("RULE ORDER", OVERLAPPING), 5000)
    assert by_rule["level"] == ["low", "medium", "high"]
    by_output = decide(engine, decision_table("OUTPUT ORDER", OVERLAPPING, output_values=LEVELS), 5000)
    assert by_output["level"] == ["high", "medium", "low"]
    assert by_output["points"] == [3, 2, 1]


def test_collected_outputs_replace_earlier_values_and_keep_repeats(engine: Engine) -> None:
    rules = [("> 100", ('"low"', "2")), ("> 1000", ('"low"', "2"))]
    data = decide(engine, decision_table("COLLECT", rules), 5000, level=["stale"], points=[])
    assert data["level"] == ["low", "low"]
    assert data["points"] == [2, 2]


@pytest.mark.parametrize(
    ("dmn", "message"),
    [
        (decision_table("PRIORITY", OVERLAPPING), "give at least one output its list"),
        (decision_table("OUTPUT ORDER", OVERLAPPING), "give at least one output its list"),
        (
            decision_table("PRIORITY", OVERLAPPING, output_values={"level": '"high","low"'}),
            'output "medium" of rule rule_2 is not among the output values of level',
        ),
        (decision_table("COLLECT", OVERLAPPING, aggregation="SUM"), "needs exactly one output column"),
        (
            decision_table("FIRST", OVERLAPPING, aggregation="MAX"),
            "aggregation MAX only applies to hit policy COLLECT",
        ),
        (
            decision_table("PRIORITY", OVERLAPPING, output_values={"level": "high, low"}),
            "must be a list of literals",
        ),
    ],
)
def test_tables_a_hit_policy_cannot_decide_are_refused_at_deploy(
    engine: Engine, dmn: bytes, message: str
) -> None:
    with pytest.raises(DeployFailed) as failed:
        engine.compile(_files(dmn))
    matching = [error for error in failed.value.errors if message in error.message]
    assert matching, failed.value.errors
    assert matching[0].file == "score.dmn" and matching[0].line is not None
