"""The methodology registry: which items make which element and aspect, per
methodology code and version."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Methodology:
    """What a named method counts; everything else is the shared formulas above.

    ``elements`` maps each element to its aspect. ``share_items`` are the
    single-choice perception questions published option by option (N3 … N7);
    the household form's other single-choice questions (N1 interest, N8 own
    experience) describe the respondent and are not published as indicators.
    """

    code: str
    satisfied_values: frozenset[int]
    elements: Mapping[str, str]
    overall_item: str
    share_items: frozenset[str]
    expectation_prefix: str
    expectation_values: frozenset[int]
    aspects_for_sipas: tuple[str, ...]
    headline: Mapping[str, str] = field(default_factory=dict)
    # The version of the interval method (see the module docstring and
    # METHOD_VERSIONS); rows are stored with the version they were computed by.
    version: int = 3
    # Questionnaires sampled in clusters (households commune by commune): their
    # composite intervals carry the design effect of the per-agency sums.
    cluster_questionnaires: frozenset[str] = frozenset()

    def element_of(self, item_code: str) -> str | None:
        """The element an item belongs to, from its stable code ("E1.2" → "E1").

        >>> SIPAS_1001.element_of("E1.2"), SIPAS_1001.element_of("G")
        ('E1', None)
        """
        element = item_code.split(".", 1)[0]
        return element if "." in item_code and element in self.elements else None

    def is_expectation(self, item_code: str) -> bool:
        """Whether an item is an expectation question (M1 … M10).

        >>> SIPAS_1001.is_expectation("M10"), SIPAS_1001.is_expectation("N4")
        (True, False)
        """
        rest = item_code[len(self.expectation_prefix) :]
        return item_code.startswith(self.expectation_prefix) and rest.isdigit()

    def element_bit(self, element: str) -> int:
        """The bit of an element in a response's "answered elements" mask.

        >>> SIPAS_1001.element_bit("E1"), SIPAS_1001.element_bit("P1")
        (1, 32)
        """
        return 1 << list(self.elements).index(element)

    def aspect_bits(self, aspect: str) -> int:
        """Mask of all elements of an aspect.

        >>> SIPAS_1001.aspect_bits("A_DV")
        31
        """
        bits = 0
        for element, its_aspect in self.elements.items():
            if its_aspect == aspect:
                bits |= self.element_bit(element)
        return bits


SIPAS_1001 = Methodology(
    code="sipas-1001",
    satisfied_values=frozenset({4, 5}),
    elements={
        "E1": "A_DV",
        "E2": "A_DV",
        "E3": "A_DV",
        "E4": "A_DV",
        "E5": "A_DV",
        "P1": "A_CS",
        "P2": "A_CS",
        "P3": "A_CS",
        "P4": "A_CS",
    },
    overall_item="G",
    share_items=frozenset({"N3", "N4", "N5", "N6", "N7"}),
    expectation_prefix="M",
    expectation_values=frozenset({1, 2}),
    aspects_for_sipas=("A_CS", "A_DV"),
    headline={"exit-dv": "A_DV", "hh-1001": "SIPAS"},
    cluster_questionnaires=frozenset({"hh-1001"}),
)

METHODOLOGIES: dict[str, Methodology] = {SIPAS_1001.code: SIPAS_1001}
# What changed between versions of the interval method (the method page lists
# them; values are the same formulas in every version).
METHOD_VERSIONS: dict[int, str] = {
    1: "composites: mean of the parts' Agresti-Coull standard errors",
    2: "composites: delta method from pair counts, cluster design effect for "
    "hh-1001; se and incomplete published",
    3: "hh-1001 items, shares and expectations: se with the cluster design effect "
    "(ci95 stays Wilson; ci95_design published beside it)",
}
DEFAULT_METHODOLOGY = SIPAS_1001.code


def get_methodology(code: str) -> Methodology:
    """The registered methodology; KeyError names the unknown code."""
    try:
        return METHODOLOGIES[code]
    except KeyError:
        raise KeyError(f"unknown methodology {code!r}") from None
