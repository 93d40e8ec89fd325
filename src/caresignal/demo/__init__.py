"""``caresignal demo``: what caresignal finds in the bundled real datasets.

Each part runs one of the field's methods on real published data and returns a frozen section
that the command line renders as tables (:func:`render`) or JSON (``DemoReport.to_dict``):

* :mod:`.ae`: Making Data Count XmR charts of A&E 4-hour performance for every trust;
* :mod:`.lengthofstay`: an over-dispersed funnel plot of length of stay at 54 providers;
* :mod:`.surgery`: risk-adjusted CUSUMs of 30-day mortality per cardiac surgeon;
* :mod:`.switch`: a Bernoulli CUSUM and VLAD of deaths after arterial switch operations;
* :mod:`.synthetic`: the synthetic national dataset in the data directory (loaded on the first
  run) and the problems hidden in it.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from caresignal.clock import Clock
from caresignal.demo.ae import AESection, analyse_ae
from caresignal.demo.lengthofstay import LengthOfStaySection, analyse_length_of_stay
from caresignal.demo.render import render
from caresignal.demo.surgery import SurgerySection, analyse_surgery
from caresignal.demo.switch import SwitchSection, analyse_switch
from caresignal.demo.synthetic import SyntheticSection, analyse_synthetic, ensure_loaded

if TYPE_CHECKING:
    from caresignal.data.synth import Scale

__all__ = ["DemoReport", "render", "run_demo"]


@dataclass(frozen=True, slots=True)
class DemoReport:
    """The four analyses of the demo."""

    ae: AESection
    length_of_stay: LengthOfStaySection
    surgery: SurgerySection
    switch: SwitchSection
    synthetic: SyntheticSection

    def to_dict(self) -> dict[str, Any]:
        """The whole report as JSON-ready values."""
        return {
            "ae_four_hour_performance": self.ae.to_dict(),
            "length_of_stay_funnel": self.length_of_stay.to_dict(),
            "cardiac_surgery_cusum": self.surgery.to_dict(),
            "arterial_switch_cusum": self.switch.to_dict(),
            "synthetic_national_dataset": self.synthetic.to_dict(),
        }


def run_demo(
    data_dir: Path,
    *,
    clock: Clock,
    scale: Scale = "national",
    seed: int = 1,
    exposure_indicators: Collection[str] = (),
    on_stage: Callable[[str], None] | None = None,
) -> DemoReport:
    """Run the four analyses of the bundled datasets, and summarise the data directory.

    If ``data_dir`` holds no data yet, the synthetic dataset of ``scale`` and ``seed`` is
    generated and imported into it first (``exposure_indicators`` as for
    :func:`caresignal.data.imports.import_synthetic`).
    """
    from caresignal.data.dataset import Dataset

    dataset = Dataset(data_dir)
    loaded_now = ensure_loaded(
        dataset,
        scale=scale,
        seed=seed,
        clock=clock,
        exposure_indicators=exposure_indicators,
        on_stage=on_stage,
    )
    return DemoReport(
        ae=analyse_ae(),
        length_of_stay=analyse_length_of_stay(),
        surgery=analyse_surgery(),
        switch=analyse_switch(),
        synthetic=analyse_synthetic(dataset, loaded_now=loaded_now),
    )
