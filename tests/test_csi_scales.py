"""Issue 17's CSI rows, on hand-built survey files (DOMAIN.md, "Edge rules (decided)"): the
scale is declared (a scale column, per file, in the config) or decided per file with a
warning naming the file when unsure; an answer outside its scale is a rejected value, never
a reason to rescale the file. Every expected mean is worked by hand in the comments."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import fourS_analytics as fours
from fourS_analytics import kpi
from fourS_analytics.cli import cli
from fourS_analytics.dataset import IngestOptions
from fourS_analytics.errors import ConfigError

YEAR = (pd.Timestamp("2025-01-01"), pd.Timestamp("2025-12-31"))


def _store(folder: Path, scores: list[object], scales: list[object] | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    ros = pd.DataFrame(
        {
            "工单号": [f"R{i}" for i in range(len(scores))],
            "车牌号": [f"粤A1234{i}" for i in range(len(scores))],
            "进厂时间": [f"2025-03-0{1 + i % 9} 09:00" for i in range(len(scores))],
            "总金额": 100,
        }
    )
    ros.to_csv(folder / "repair_orders.csv", index=False, encoding="utf-8-sig")
    csi = pd.DataFrame(
        {
            "工单号": ros["工单号"],
            "回访日期": "2025-03-20",
            "满意度": scores,
        }
    )
    if scales is not None:
        csi["满分"] = scales
    csi.to_csv(folder / "surveys.csv", index=False, encoding="utf-8-sig")
    return folder


def _csi_mean(data: fours.Dataset) -> float:
    value = kpi.compute(data, *YEAR)["csi_mean"].value
    assert value is not None
    return value


def _notes(data: fours.Dataset) -> list[str]:
    return [n.key for f in data.files for n in f.notes]


def test_a_1_10_file_whose_answers_are_all_5_or_less(tmp_path: Path) -> None:
    folder = _store(tmp_path / "s", [5, 3, 4, 2, 5])
    # undeclared: read as 1-5 with a warning naming the file: (4+2+3+1+4)/4/5 = 0.7
    guessed = fours.load(folder)
    assert _csi_mean(guessed) == pytest.approx(0.7)
    (note,) = [n for f in guessed.files for n in f.notes]
    assert note.key == "csi_scale_guessed" and "surveys.csv" in note.render("en")
    # declared 1-10 in the config: (4+2+3+1+4)/9/5 = 14/45 = 0.3111, no warning
    declared = fours.load(folder, options=IngestOptions(csi_scale="1-10"))
    assert _csi_mean(declared) == pytest.approx(14 / 45)
    assert _notes(declared) == []
    # declared for that file alone (by name or glob)
    per_file = fours.load(folder, options=IngestOptions(csi_scales={"surveys*.csv": "10"}))
    assert _csi_mean(per_file) == pytest.approx(14 / 45)


def test_one_file_mixing_1_5_and_0_100_answers(tmp_path: Path) -> None:
    scores = [4, 5, 80, 60, 3, 90]
    # a scale column says each answer's scale: (0.75 + 1 + 0.8 + 0.6 + 0.5 + 0.9) / 6
    declared = fours.load(_store(tmp_path / "d", scores, [5, 5, 100, 100, "1-5", "100分"]))
    assert _csi_mean(declared) == pytest.approx((0.75 + 1 + 0.8 + 0.6 + 0.5 + 0.9) / 6)
    assert _notes(declared) == []
    # undeclared: read as 0-100 (the only scale holding 90) with a warning that scales mix:
    # (0.04 + 0.05 + 0.8 + 0.6 + 0.03 + 0.9) / 6
    mixed = fours.load(_store(tmp_path / "m", scores))
    assert _csi_mean(mixed) == pytest.approx((0.04 + 0.05 + 0.8 + 0.6 + 0.03 + 0.9) / 6)
    assert _notes(mixed) == ["csi_scale_mixed"]


def test_an_invalid_0_in_a_1_5_file_is_rejected_not_a_rescaling(tmp_path: Path) -> None:
    data = fours.load(_store(tmp_path / "z", [0, 5, 4, 3]), options=IngestOptions(csi_scale="5"))
    # the 0 is outside 1-5: its row is rejected; the rest stay on 1-5: (1 + 0.75 + 0.5) / 3
    assert _csi_mean(data) == pytest.approx(0.75)
    surveys = next(f for f in data.files if f.table == "csi_surveys")
    assert (surveys.rows, surveys.accepted, surveys.rejected) == (4, 3, 1)
    assert data.adds_up
    reasons = data.problems[data.problems["column"] == "score"]["reason"].astype(str)
    assert list(reasons) == ["r_score_off_scale"]
    from fourS_analytics.render import problems_frame

    said = problems_frame(data, "en")
    assert said["reason"].astype(str).str.contains("'0' is outside the survey's scale").any()
    # undeclared, the same: the 0 does not turn the file into a 0-5 scale
    guessed = fours.load(_store(tmp_path / "g", [0, 5, 4, 3]))
    assert _csi_mean(guessed) == pytest.approx(0.75)
    # an answer above a declared 1-5 scale is rejected too
    high = fours.load(_store(tmp_path / "h", [7, 5]), options=IngestOptions(csi_scale="1-5"))
    assert _csi_mean(high) == pytest.approx(1.0)


def test_top_box_follows_the_declared_scale(tmp_path: Path) -> None:
    data = fours.load(_store(tmp_path / "t", [10, 9, 5]), options=IngestOptions(csi_scale="1-10"))
    assert kpi.compute(data, *YEAR)["csi_top_box"].value == pytest.approx(1 / 3)


def test_a_bad_scale_setting_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="'7' is not a scale; use auto, 1-5, 1-10, 0-10, 0-100"):
        IngestOptions(csi_scale="7")
    config = tmp_path / "fours.toml"
    config.write_text('[ingest]\ncsi_scale = "1-7"\n', encoding="utf-8")
    folder = _store(tmp_path / "c", [5, 4])
    out = CliRunner().invoke(
        cli, ["--lang", "en", "--config", str(config), "validate", str(folder)]
    )
    assert out.exit_code != 0 and "Traceback" not in out.output
    assert "csi_scale" in out.output and "'1-7' is not a scale" in out.output


def test_validate_names_the_file_whose_scale_was_guessed(tmp_path: Path) -> None:
    folder = _store(tmp_path / "v", [5, 3, 4])
    out = CliRunner().invoke(cli, ["--lang", "zh", "validate", str(folder)])
    assert out.exit_code == 0, out.output
    assert "surveys.csv：评分同时符合多种量表，已按 1-5 读取" in out.output
