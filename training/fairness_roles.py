"""The legal role of each audited attribute: protected (never a ground for a decision) or a
qualification (a ground the posts may lawfully require).

The merit system (UU 20/2023 tentang ASN, Pasal 27 and its elucidation; UU 5/2014 Pasal 1
angka 22) decides on qualification, competence and performance "without distinguishing"
political background, race, colour, religion, origin, sex, marital status, age or disability.
Of those, the contract carries sex, age (through the birth date) and origin (home region).
Education level and field, golongan (the rank a post may require, PP 11/2017 Pasal 107 ff.) and
assessed competence (PermenPANRB 38/2017) are what posts state as requirements.

The fairness report keeps both kinds. The promotion gate reads only the protected ones; for
qualifications the report says whether a gap follows the posts' stated requirements
(:mod:`training.fairness_explain`).
"""

from __future__ import annotations

from typing import Literal

PROTECTED: tuple[str, ...] = ("gender", "age_band", "region_of_origin")
QUALIFICATIONS: tuple[str, ...] = ("education_level", "education_field", "golongan", "competence")
PROTECTED_INTERSECTIONS: tuple[tuple[str, str], ...] = (("gender", "age_band"),)
Role = Literal["protected", "qualification"]

LEGAL_BASIS: dict[str, str] = {
    "gender": "jenis kelamin: UU 20/2023 Pasal 27; UU 5/2014 Pasal 1 angka 22",
    "age_band": "umur: UU 20/2023 Pasal 27; UU 5/2014 Pasal 1 angka 22",
    "region_of_origin": "asal-usul: UU 20/2023 Pasal 27; UU 5/2014 Pasal 1 angka 22",
    "education_level": "kualifikasi pendidikan a post may require: PP 11/2017 Pasal 107",
    "education_field": "bidang pendidikan a post may require: PP 11/2017 Pasal 107",
    "golongan": "pangkat/golongan a post may require: PP 11/2017 Pasal 107",
    "competence": "kompetensi a post requires: PermenPANRB 38/2017",
}


def parts(attribute: str) -> tuple[str, ...]:
    """The single attributes of an attribute or an intersection (``gender_x_age_band``)."""
    return tuple(attribute.split("_x_"))


def role_of(attribute: str) -> Role:
    """``protected`` if the attribute (or any part of an intersection) is protected, else
    ``qualification``."""
    return "protected" if any(p in PROTECTED for p in parts(attribute)) else "qualification"


def is_protected(attribute: str) -> bool:
    """Whether the gate reads this attribute."""
    return role_of(attribute) == "protected"
