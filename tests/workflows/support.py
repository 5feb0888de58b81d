"""Helpers shared by the engine tests."""

from __future__ import annotations

from pathlib import Path

FIXTURES = Path(__file__).resolve().parent / "fixtures"
# The shared conformance folder sits beside the checkout (../shared), or beside the folder of
# worktrees that holds it (../../shared).
CONFORMANCE = next(
    (
        folder / "shared" / "conformance"
        for folder in Path(__file__).resolve().parents[3:]
        if (folder / "shared" / "conformance").is_dir()
    ),
    Path(__file__).resolve().parents[3] / "shared" / "conformance",
)


def load_package(folder: str) -> dict[str, bytes]:
    """Every file of a fixture folder, as the designer would upload it."""
    return {p.name: p.read_bytes() for p in sorted((FIXTURES / folder).iterdir()) if p.is_file()}


def decision_table(
    hit_policy: str,
    rules: list[tuple[str, tuple[str, ...]]],
    *,
    outputs: tuple[str, ...] = ("level", "points"),
    output_values: dict[str, str] | None = None,
    aggregation: str | None = None,
    decision_id: str = "score_decision",
) -> bytes:
    """A DMN 1.3 file with one decision table over the input `amount`.

    `rules` are (input cell, output cells) pairs, e.g. ("> 1000", ('"medium"', "2")); `output_values`
    gives an output its ordered list of values (its priorities), e.g. {"level": '"high","low"'}.
    """
    values = output_values or {}
    aggregate = f' aggregation="{aggregation}"' if aggregation else ""
    columns = "".join(
        f'<output id="out_{name}" name="{name}">'
        + (f"<outputValues><text>{values[name]}</text></outputValues>" if name in values else "")
        + "</output>"
        for name in outputs
    )
    body = "".join(
        f'<rule id="rule_{n}"><inputEntry id="rule_{n}_in"><text>{cell}</text></inputEntry>'
        + "".join(
            f'<outputEntry id="rule_{n}_out_{m}"><text>{out}</text></outputEntry>'
            for m, out in enumerate(cells)
        )
        + "</rule>"
        for n, (cell, cells) in enumerate(rules, start=1)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="defs" name="Scores" '
        'namespace="http://lexflow.example/dmn">\n'
        f'  <decision id="{decision_id}" name="Score">\n'
        f'    <decisionTable id="score_table" hitPolicy="{hit_policy}"{aggregate}>\n'
        '      <input id="in_amount">'
        '<inputExpression id="in_amount_expr"><text>amount</text></inputExpression></input>\n'
        f"      {columns}\n      {body}\n"
        "    </decisionTable>\n  </decision>\n</definitions>\n"
    ).encode()
