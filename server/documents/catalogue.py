"""The official notices Lexflow can issue: the keys a diagram's `document` property may name.

A key names a template `server/documents/templates/documents/<key>.html` and the notice's
title. Keeping the list in code (not only as template files) lets a deploy refuse a diagram
that names an unknown notice, and gives every notice its title before it is rendered.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Notice:
    key: str  # "<service line>/<notice>", e.g. "complaint/ineligible"
    title: str  # 中文, as printed on the document
    title_en: str

    @property
    def full_title(self) -> str:
        """`中文 / English`, the form every bilingual label in Lexflow takes."""
        return f"{self.title} / {self.title_en}"

    @property
    def template_name(self) -> str:
        return f"documents/{self.key}.html"


NOTICES: dict[str, Notice] = {
    notice.key: notice
    for notice in (
        # 法律援助 (Legal Aid Law arts. 43, 44, 49)
        Notice("legal_aid/supplement", "补正材料通知书", "Notice to supply missing material"),
        Notice("legal_aid/grant", "给予法律援助决定书", "Decision to grant legal aid"),
        Notice("legal_aid/refusal", "不予法律援助决定书", "Decision to refuse legal aid"),
        Notice("legal_aid/assignment", "指派通知书", "Assignment letter"),
        Notice("legal_aid/objection", "异议审查决定书", "Decision on the objection"),
        # 公证 (Notarisation Procedure Rules)
        Notice("notary/acceptance", "受理通知书", "Notice of acceptance"),
        Notice("notary/refusal", "不予受理通知书", "Notice of non-acceptance"),
        # 人民调解 (People's Mediation Law arts. 28-33)
        Notice("mediation/agreement", "人民调解协议书", "People's mediation agreement"),
        # 投诉
        Notice("complaint/ineligible", "不予受理告知书", "Notice that the complaint is not accepted"),
        Notice("complaint/acceptance", "投诉受理通知书", "Notice that the complaint is accepted"),
        Notice("complaint/reply", "投诉答复书", "Written reply to the complaint"),
    )
}


def notice_for(key: str) -> Notice | None:
    return NOTICES.get(key)
