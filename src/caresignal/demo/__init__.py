"""``caresignal demo``: what caresignal finds in the bundled real datasets.

Each part runs one of the field's methods on real published data and returns a frozen section
that the command line renders as tables (:func:`render`) or JSON (``DemoReport.to_dict``):

* :mod:`.ae`: Making Data Count XmR charts of A&E 4-hour performance for every trust, the
  catalogue's ``ed_4h`` indicator run on the NHS England data (imported on the first run into
  ``<data-dir>/public/ae/``);
* :mod:`.lengthofstay`: an over-dispersed funnel plot of length of stay at 54 providers;
* :mod:`.surgery`: risk-adjusted CUSUMs of 30-day mortality per cardiac surgeon;
* :mod:`.switch`: a Bernoulli CUSUM and VLAD of deaths after arterial switch operations;
* :mod:`.synthetic`: the synthetic national dataset in the data directory (loaded on the first
  run) and the problems hidden in it;
* the current signals: :func:`caresignal.monitor.scan.scan` of that dataset as of its last day,
  also written to ``findings.parquet``;
* :mod:`.history`: those signals in the store as people would have handled them over the past
  year and more: some acted on, some ignored until they reached the board and the regulator.
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
    from caresignal.demo.history import AccountabilitySection
    from caresignal.monitor.scan import ScanResult

__all__ = ["DemoReport", "render", "run_demo"]


@dataclass(frozen=True, slots=True)
class DemoReport:
    """The four analyses of the demo, the synthetic dataset, its current signals and what people
    did about them."""

    ae: AESection
    length_of_stay: LengthOfStaySection
    surgery: SurgerySection
    switch: SwitchSection
    synthetic: SyntheticSection
    signals: ScanResult
    accountability: AccountabilitySection

    def to_dict(self) -> dict[str, Any]:
        """The whole report as JSON-ready values."""
        return {
            "ae_four_hour_performance": self.ae.to_dict(),
            "length_of_stay_funnel": self.length_of_stay.to_dict(),
            "cardiac_surgery_cusum": self.surgery.to_dict(),
            "arterial_switch_cusum": self.switch.to_dict(),
            "synthetic_national_dataset": self.synthetic.to_dict(),
            "current_signals": self.signals.to_dict(),
            "accountability": self.accountability.to_dict(),
        }


def run_demo(
    data_dir: Path,
    *,
    clock: Clock,
    scale: Scale = "national",
    seed: int = 1,
    exposure_indicators: Collection[str] = (),
    on_stage: Callable[[str], None] | None = None,
    workers: int = 1,
) -> DemoReport:
    """Run the four analyses of the bundled datasets, and summarise the data directory.

    If ``data_dir`` holds no data yet, the synthetic dataset of ``scale`` and ``seed`` is
    generated and imported into it first (``exposure_indicators`` as for
    :func:`caresignal.data.imports.import_synthetic`). The A&E data are imported into a data
    directory of their own inside it, ``data_dir / "public" / "ae"``, on the first run.
    """
    from caresignal.data.dataset import Dataset
    from caresignal.demo.history import build_history
    from caresignal.monitor.catalogue import load_catalogue
    from caresignal.monitor.scan import last_day, scan, write_findings

    dataset = Dataset(data_dir)
    loaded_now = ensure_loaded(
        dataset,
        scale=scale,
        seed=seed,
        clock=clock,
        exposure_indicators=exposure_indicators,
        on_stage=on_stage,
    )
    own = data_dir / "catalogue"
    catalogue = load_catalogue(own) if own.is_dir() else load_catalogue()
    as_of = last_day(dataset.snapshot(), catalogue) or clock.today()
    stage = on_stage or (lambda _: None)
    stage(f"scanning every site and ward as of {as_of}")
    signals = scan(
        dataset,
        catalogue,
        as_of=as_of,
        clock=clock,
        on_progress=lambda done, total, name: stage(f"scanning: {done} of {total} ({name})"),
        workers=workers,
    )
    write_findings(signals, data_dir)
    stage("replaying who acted on which signal, and who did not")
    accountability = build_history(data_dir, signals, seed=seed)
    return DemoReport(
        ae=analyse_ae(data_dir, clock=clock),
        length_of_stay=analyse_length_of_stay(),
        surgery=analyse_surgery(),
        switch=analyse_switch(),
        synthetic=analyse_synthetic(dataset, loaded_now=loaded_now),
        signals=signals,
        accountability=accountability,
    )
