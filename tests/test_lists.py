"""The call lists (issue 15): who is on each list, and why, on a store worked out by hand; the
首保 lists against the simulator's known truth; the files (masked, no formulas, owner-only when
unmasked) and the command."""

from __future__ import annotations

import json
import stat
import zipfile
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import fourS_analytics as fours
from fourS_analytics import lists
from fourS_analytics.cli import cli
from fourS_analytics.config import ListsConfig
from fourS_analytics.customers import build as build_base
from fourS_analytics.errors import ConfigError
from fourS_analytics.publish import write_lists
from fourS_analytics.sample import StoreParams, generate

AS_OF = pd.Timestamp("2025-12-31")

# customer, vin, plate, visits (day, type, declined work)
VISITS = {
    # A: services 181 days apart -> next due 2026-01-07, 7 days after the as-of day: on the list
    "A": (
        "LSVAAAAAAAAAAAAA1",
        "粤A00001",
        [("2025-01-10", "保养", ""), ("2025-07-10", "保养", "刹车片磨损")],
    ),
    # B: 92 days apart -> due 2025-09-01, overdue 121 days (> 90): the win-back list's, not this
    "B": (
        "LSVBBBBBBBBBBBBB2",
        "粤A00002",
        [("2025-03-01", "保养", ""), ("2025-06-01", "保养", "")],
    ),
    # C: 183 days -> due 2026-04-02: not yet; its declined work was done on the next visit
    "C": (
        "LSVCCCCCCCCCCCCC3",
        "粤A00003",
        [("2025-04-01", "保养", "轮胎磨损"), ("2025-10-01", "保养", "")],
    ),
    # D: like A, but booked for 2026-01-05: not called
    "D": (
        "LSVDDDDDDDDDDDDD4",
        "粤A00004",
        [("2025-01-10", "保养", ""), ("2025-07-10", "保养", "")],
    ),
    # E: 181 days -> due 2026-01-29, one day past the four weeks (2026-01-28): not yet
    "E": (
        "LSVEEEEEEEEEEEEE5",
        "粤A00005",
        [("2025-02-01", "保养", ""), ("2025-08-01", "保养", "")],
    ),
    # F: 165 days -> due 2025-11-27, overdue 34 days: on the list, as overdue
    "F": (
        "LSVFFFFFFFFFFFFF6",
        "粤A00006",
        [("2025-01-01", "保养", ""), ("2025-06-15", "保养", "")],
    ),
}


def _store(folder: Path) -> Path:
    rows = []
    n = 0
    for customer, (vin, plate, visits) in VISITS.items():
        for day, kind, declined in visits:
            n += 1
            rows.append(
                {
                    "工单号": f"RO{n:04d}",
                    "客户编号": customer,
                    "客户名称": f"客户{customer}",
                    "联系电话": f"1380000000{n % 10}",
                    "VIN": vin,
                    "车牌号": plate,
                    "进厂时间": f"{day} 09:00",
                    "维修类型": kind,
                    "结算金额": 800,
                    "服务顾问": "王芳",
                    "建议维修项目": declined,
                }
            )
    folder.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows).to_csv(folder / "ro.csv", index=False, encoding="utf-8-sig")
    pd.DataFrame(
        [
            {
                "预约单号": "AP1",
                "客户编号": "D",
                "预约到店时间": "2026-01-05 09:00",
                "预约状态": "待到店",
            }
        ]
    ).to_csv(folder / "appointments.csv", index=False, encoding="utf-8-sig")
    pd.DataFrame(
        [
            # A: renewed here a year ago (this policy follows one that ended here): band 30
            ("P1", "LSVAAAAAAAAAAAAA1", "2024-01-21", "2025-01-20"),
            ("P2", "LSVAAAAAAAAAAAAA1", "2025-01-21", "2026-01-20"),
            # C: its first policy here, 74 days left: band 90
            ("P3", "LSVCCCCCCCCCCCCC3", "2025-03-16", "2026-03-15"),
            # B: ends in five months: not yet
            ("P4", "LSVBBBBBBBBBBBBB2", "2025-06-02", "2026-06-01"),
            # a vehicle renewed already (the next policy is in): not called
            ("P5", "LSVZZZZZZZZZZZZZ9", "2025-01-11", "2026-01-10"),
            ("P6", "LSVZZZZZZZZZZZZZ9", "2026-01-11", "2027-01-10"),
        ],
        columns=["保单号", "车架号", "起保日期", "终保日期"],
    ).assign(保费=5000).to_csv(folder / "policies.csv", index=False, encoding="utf-8-sig")
    pd.DataFrame(
        [
            # sold 152 days before: first service due in 31 days, beyond the four weeks
            ("LSVSXLD0000000001", "粤B10001", "2025-08-01", "张三", "13900000001"),
            # sold 183 days before: due today
            ("LSVSXLD0000000002", "粤B10002", "2025-07-01", "李四", "13900000002"),
            # sold 456 days before, never seen: 首保流失
            ("LSVSXLD0000000003", "粤B10003", "2024-10-01", "王五", "13900000003"),
            # A's car: serviced here, on neither list
            ("LSVAAAAAAAAAAAAA1", "粤A00001", "2024-12-01", "客户A", "13800000001"),
        ],
        columns=["车架号", "车牌号", "销售日期", "购车人", "联系电话"],
    ).to_csv(folder / "sales.csv", index=False, encoding="utf-8-sig")
    return folder


@pytest.fixture
def built(tmp_path: Path) -> tuple[fours.Dataset, lists.ListsResult]:
    data = fours.load(_store(tmp_path / "store"))
    base = build_base(data, AS_OF)
    return data, lists.build(data, base, config=ListsConfig())


def test_service_due_is_who_falls_due_in_the_window_not_booked_not_long_overdue(built) -> None:
    _, result = built
    due = result.lists["service_due"].set_index("unit_id")
    assert sorted(due.index) == ["A", "F"]
    assert due.loc["A", "reason"] == "service_due" and due.loc["A", "days_to_due"] == 7
    assert str(due.loc["A", "due_date"]) == "2026-01-07"
    assert due.loc["F", "reason"] == "service_overdue" and due.loc["F", "days_to_due"] == -34
    summary = result.summary["service_due"]
    assert (summary["due_in_window"], summary["overdue"], summary["booked_excluded"]) == (1, 1, 1)
    assert summary["visits_per_week"] == 0.5  # two vehicles over four weeks
    assert list(due["rank"]) == [1, 2]
    # no churn model here: the note says the calls are ranked by value alone; no workload
    # analysis either: no suggested slots, said
    assert [n.key for n in result.notes] == ["ls_no_churn", "ls_no_slots"]
    assert "slot_weekday" not in due.columns


def test_renewal_due_bands_the_policies_not_yet_renewed(built) -> None:
    _, result = built
    renew = result.lists["renewal_due"].set_index("policy_id")
    assert sorted(renew.index) == ["P2", "P3"]  # P4 is five months out, P5 renewed already
    assert (renew.loc["P2", "band_days"], renew.loc["P2", "days_left"]) == (30, 20)
    assert renew.loc["P2", "reason"] == "renewal_again" and renew.loc["P2", "unit_id"] == "A"
    assert (renew.loc["P3", "band_days"], renew.loc["P3", "reason"]) == (90, "renewal_first")
    assert list(result.lists["renewal_due"]["policy_id"]) == ["P2", "P3"]  # nearest band first
    assert result.summary["renewal_due"]["bands"] == {30: 1, 60: 0, 90: 1}


def test_the_policies_renewals_are_made_once_per_policy_table(built) -> None:
    """The look back and the renewal list share one reading of the policies; another table
    (the same dataset given other policies) is read afresh, never served the old one."""
    data, _ = built
    first = lists._policies(data)
    assert lists._policies(data) is first
    pol = data.tables["insurance_policies"]
    other = pol[pol["policy_id"] != "P2"].reset_index(drop=True)
    changed = replace(data, tables={**data.tables, "insurance_policies": other})
    again = lists._policies(changed)
    assert isinstance(again, pd.DataFrame) and isinstance(first, pd.DataFrame)
    assert "P2" in set(first["policy_id"]) and "P2" not in set(again["policy_id"])


def test_insure_here_is_the_active_customers_without_a_current_policy(built) -> None:
    _, result = built
    assert sorted(result.lists["insure_here"]["unit_id"]) == ["D", "E", "F"]


def test_first_service_lists_from_the_sales_export(built) -> None:
    _, result = built
    due = result.lists["first_service_due"]
    assert list(due["vin"]) == ["LSVSXLD0000000002"]
    assert due["days_to_due"].iloc[0] == 0 and due["reason"].iloc[0] == "first_service_due"
    lost = result.lists["first_service_lost"]
    assert list(lost["vin"]) == ["LSVSXLD0000000003"]
    assert lost["months_since_sale"].iloc[0] == pytest.approx(456 / 30.44, abs=0.05)
    assert result.summary["first_service_due"]["sold"] == 4
    assert result.summary["first_service_due"]["served"] == 1


def test_declined_work_is_called_back_only_where_the_car_has_not_been_back(built) -> None:
    _, result = built
    declined = result.lists["declined"]
    assert list(declined["unit_id"]) == ["A"]  # C's tyres were done on its next visit
    assert (
        declined["days_since"].iloc[0] == 174 and declined["declined_work"].iloc[0] == "刹车片磨损"
    )


def test_a_list_without_its_data_is_not_built_and_says_why(built, tmp_path: Path) -> None:
    _, result = built
    assert result.skipped["events"].key == "ls_needs_loyalty"
    (tmp_path / "bare").mkdir()
    bare = _store(tmp_path / "bare")
    for name in ("policies.csv", "sales.csv"):
        (bare / name).unlink()
    data = fours.load(bare)
    frame = data.repair_orders.drop(columns=["declined_work"])
    data = replace(
        data,
        tables={**data.tables, "repair_orders": frame},
        columns_present={
            **data.columns_present,
            "repair_orders": tuple(
                c for c in data.columns_present["repair_orders"] if c != "declined_work"
            ),
        },
    )
    result = lists.build(data, build_base(data, AS_OF))
    assert set(result.skipped) == {
        "renewal_due",
        "insure_here",
        "first_service_due",
        "first_service_lost",
        "declined",
        "events",
    }
    assert result.skipped["renewal_due"].render("zh") == "需要保险保单数据"
    assert result.skipped["first_service_due"].render("en") == "needs vehicle sales"
    assert "service_due" in result.lists


def test_first_service_lost_matches_the_simulators_truth(tmp_path: Path) -> None:
    """The simulator marks the new cars whose owners chose not to come for the first service;
    every such car sold 12 months or more before the end is on the 首保流失 list. The list may
    hold more (a car whose owner left for another reason before its first service is 首保流失
    too, by DOMAIN's rule): none of those has a service RO in the raw export."""
    folder = tmp_path / "sim"
    generate(folder, replace(StoreParams(), vehicles=1200, years=2), seed=5)
    truth = pd.read_csv(folder / "ground_truth" / "vehicles.csv", parse_dates=["sale_date"])
    data = fours.load(folder)
    end = pd.Timestamp(data.repair_orders["open_time"].max()).normalize()
    result = lists.build(data, build_base(data, end))
    listed = set(result.lists["first_service_lost"]["vin"])
    window = pd.Timestamp(json.loads((folder / "manifest.json").read_text())["window"][0])
    old = truth[(truth["sale_date"] >= window) & ((end - truth["sale_date"]).dt.days >= 12 * 30.44)]
    lost = set(old.loc[old["first_service_lost"], "vin"])
    assert len(lost) >= 5
    assert lost <= listed
    raw = pd.read_csv(folder / "repair_orders.csv", encoding="utf-8-sig", dtype=str)
    serviced = set(raw.loc[raw["维修类型"].isin(["首保", "定期保养"]), "VIN"])
    assert not (listed & serviced)
    assert listed <= set(old["vin"])  # sold in the window, a year or more ago


def test_the_files_mask_contacts_write_no_formulas_and_say_the_reason(built, tmp_path) -> None:
    data, result = built
    contacts = fours.loyalty.contacts_of(data.repair_orders)
    out = tmp_path / "out"
    files = write_lists(result, contacts, out, lang="zh")
    due = pd.read_csv(files["service_due"], encoding="utf-8-sig")
    assert "保养 2026-01-07 到期（周期 181 天）" in set(due["原因"])
    assert set(due["客户姓名"]) == {"客**"} and all("****" in str(p) for p in due["电话"])
    sales = pd.read_csv(files["first_service_lost"], encoding="utf-8-sig")
    assert sales["VIN"].iloc[0] == "***********000003" and sales["客户姓名"].iloc[0] == "王*"
    with zipfile.ZipFile(files["workbook"]) as book:
        sheets = [n for n in book.namelist() if n.startswith("xl/worksheets/sheet")]
        assert len(sheets) == 1 + len(result.lists)  # the counts, then a sheet per list
        assert not any(b"<f>" in book.read(n) for n in book.namelist())
    info = json.loads(files["summary"].read_text("utf-8"))
    assert info["lists"]["service_due"]["count"] == 2
    assert info["not_built"] == {"events": "需要忠诚度评分"}
    assert info["contains_personal_data"] is False
    full = write_lists(result, contacts, tmp_path / "full", lang="en", include_contact=True)
    shown = pd.read_csv(full["service_due"], encoding="utf-8-sig")
    assert set(shown["customer_name"]) == {"客户A", "客户F"}
    for path in (full["service_due"], full["workbook"]):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_the_workbook_written_beside_is_the_same_and_a_dying_child_leaves_it_here(
    built, tmp_path: Path, children_started: list[str], dies_in_a_child
) -> None:
    """With a spare core a forked child writes lists.xlsx while this process writes the
    CSVs: the same bytes as one process, its first rows of the lists; a child that dies
    (out of memory, say) has the workbook written here."""
    from fourS_analytics import forks, output, publish

    data, result = built
    contacts = fours.loyalty.contacts_of(data.repair_orders)
    alone = write_lists(result, contacts, tmp_path / "alone", lang="zh", workbook_rows=1)
    assert children_started == []
    with forks.spare_cores(1):
        beside = write_lists(result, contacts, tmp_path / "beside", lang="zh", workbook_rows=1)
    assert children_started == ["lists-workbook"]
    assert list(beside) == list(alone)  # the CSVs, the workbook, the summary
    for name, path in alone.items():
        assert beside[name].read_bytes() == path.read_bytes(), name
    dies_in_a_child(publish, "write_xlsx")
    (tmp_path / "dies").mkdir()
    with forks.spare_cores(1):
        again = write_lists(result, contacts, tmp_path / "dies", lang="zh", workbook_rows=1)
    assert children_started == ["lists-workbook"] * 2
    assert again["workbook"].read_bytes() == alone["workbook"].read_bytes()
    assert output.write_xlsx is not publish.write_xlsx  # the child's writer was the dying one


def test_a_formula_in_a_cell_stays_text_in_the_workbook(tmp_path: Path) -> None:
    from fourS_analytics.output import write_xlsx

    frame = pd.DataFrame({"name": ["=cmd|' /C calc'!A0", "@SUM(A1)"], "n": [1, 2.5]})
    path = write_xlsx({"a": frame}, tmp_path / "x.xlsx")
    with zipfile.ZipFile(path) as book:
        assert not any(b"<f>" in book.read(n) for n in book.namelist())
    back = pd.read_excel(path, engine="calamine")
    assert list(back["name"]) == ["=cmd|' /C calc'!A0", "@SUM(A1)"]
    assert list(back["n"]) == [1, 2.5]


def test_the_workbook_holds_the_first_rows_and_the_csv_every_row(built, tmp_path) -> None:
    data, result = built
    contacts = fours.loyalty.contacts_of(data.repair_orders)
    files = write_lists(result, contacts, tmp_path / "out", lang="en", workbook_rows=1)
    due = pd.read_csv(files["service_due"], encoding="utf-8-sig")
    book = pd.read_excel(files["workbook"], sheet_name=None, engine="calamine")
    sheet = book["Service due"]
    assert len(due) == 2 and len(sheet) == 1  # the CSV holds both, the sheet the first
    assert list(sheet.columns) == list(due.columns)
    assert list(sheet.iloc[0, :2].astype(str)) == list(due.iloc[0, :2].astype(str))  # rank, id
    summary = book["list"].set_index("list")
    assert summary.loc["service_due", "count"] == 2
    assert summary.loc["service_due", "in_workbook"] == 1
    assert "first 1 row (" in summary.loc["service_due", "note"]
    assert "service_due.csv" in summary.loc["service_due", "note"]
    one = {n: 1 for n in result.lists}  # every built list has a row or more: capped to one
    assert json.loads(files["summary"].read_text("utf-8"))["workbook_rows"] == one
    every = write_lists(result, contacts, tmp_path / "all", lang="en", workbook_rows=0)
    whole = pd.read_excel(every["workbook"], sheet_name="Service due", engine="calamine")
    assert len(whole) == 2
    with pytest.raises(ConfigError, match="workbook_rows: -1 must be 0 or more"):
        ListsConfig(workbook_rows=-1)


def test_the_command_says_which_sheets_hold_the_first_rows(tmp_path: Path) -> None:
    store = _store(tmp_path / "store")
    out = tmp_path / "lists"
    args = ["--lang", "en", "lists", str(store), "-o", str(out), "--as-of", "2025-12-31"]
    run = CliRunner().invoke(cli, [*args, "--workbook-rows", "1"])
    assert run.exit_code == 0, run.output
    assert "lists.xlsx: the first 1 row of Service due (2)" in run.output
    shown = CliRunner().invoke(cli, [*args, "--workbook-rows", "0", "--format", "json"])
    assert json.loads(shown.output)["workbook_rows"]["service_due"] == 2
    bad = CliRunner().invoke(cli, [*args, "--workbook-rows", "-3"])
    assert bad.exit_code == 2 and "--workbook-rows" in bad.output


def test_the_command_prints_the_counts(tmp_path: Path) -> None:
    store = _store(tmp_path / "store")
    out = tmp_path / "lists"
    run = CliRunner().invoke(
        cli, ["--lang", "en", "lists", str(store), "-o", str(out), "--as-of", "2025-12-31"]
    )
    assert run.exit_code == 0, run.output
    assert "Service due: 2" in run.output and "Insurance renewal due: 2" in run.output
    assert (out / "lists.xlsx").is_file() and (out / "service_due.csv").is_file()
    bad = CliRunner().invoke(
        cli, ["--lang", "en", "lists", str(store), "-o", str(out), "--event-date", "soon"]
    )
    assert bad.exit_code == 2 and "--event-date" in bad.output and "Traceback" not in bad.output


def _plan(spare: dict[tuple[int, int], float]) -> pd.DataFrame:
    return pd.DataFrame(
        [(d, h, room) for (d, h), room in spare.items()],
        columns=["weekday", "hour", "spare_capacity"],
    )


def test_booking_into_quiet_hours_is_in_proportion_to_the_room_and_never_beyond_it() -> None:
    from fourS_analytics.workload import book_into_quiet_hours

    plan = _plan({(0, 9): 2.0, (1, 10): 1.0, (2, 11): 0.0, (3, 12): 1.0})
    booking = book_into_quiet_hours(plan, 2.0)  # room 4: half of each hour's
    assert booking.room_per_week == 4.0 and booking.unplaced_per_week == 0.0
    assert booking.hours[["weekday", "booked"]].values.tolist() == [[0, 1.0], [1, 0.5], [3, 0.5]]
    full = book_into_quiet_hours(plan, 10.0)  # more than the room: each hour full, 6 left over
    assert full.hours["booked"].tolist() == [2.0, 1.0, 1.0] and full.unplaced_per_week == 6.0
    assert book_into_quiet_hours(_plan({(0, 9): 0.0}), 3.0).unplaced_per_week == 3.0


def test_service_due_calls_get_slots_in_the_quiet_hours(tmp_path: Path) -> None:
    from types import SimpleNamespace

    from fourS_analytics.wording import list_in_words

    data = fours.load(_store(tmp_path / "store"))
    base = build_base(data, AS_OF)
    # A and F over four weeks: 0.5 visits a week. Room 3 a week: Monday 9:00 takes 1/3 a week
    # (4/3 in four weeks), Tuesday 10:00 2/3 -> one each (largest remainders), the best call
    # the roomier hour
    roomy = SimpleNamespace(plan=_plan({(0, 9): 2.0, (1, 10): 1.0}))
    result = lists.build(data, base, workload=roomy)  # type: ignore[arg-type]
    due = result.lists["service_due"]
    assert due[["slot_weekday", "slot_hour"]].values.tolist() == [[0, 9], [1, 10]]
    assert result.summary["service_due"]["slotted"] == 2
    assert list_in_words(due, "zh")["建议预约时段"].tolist() == ["周一 09:00", "周二 10:00"]
    # room 0.3 a week: 1.2 visits in four weeks, one call slotted, the other not
    tight = SimpleNamespace(plan=_plan({(0, 9): 0.2, (1, 10): 0.1}))
    result = lists.build(data, base, workload=tight)  # type: ignore[arg-type]
    due = result.lists["service_due"]
    assert due["slot_weekday"].tolist()[0] == 0 and pd.isna(due["slot_weekday"].iloc[1])
    assert (
        result.summary["service_due"]["slotted"],
        result.summary["service_due"]["unslotted"],
    ) == (1, 1)
    assert "ls_no_slots" not in [n.key for n in result.notes]


def test_looking_back_counts_the_due_services_that_came_back_and_the_renewals(built) -> None:
    from fourS_analytics.report.build import _looked_back_findings

    _, result = built
    # the year whose due days are known: 2024-10-03 .. 2025-10-02 (90 days' grace before the
    # as-of day). Each car's interval is its one gap, so each due day is the next visit's:
    # A, C, D, E, F came back (one due each), B twice due: back once, then not (2025-09-01)
    service = result.looked_back["service"]
    assert (service["start"], service["end"]) == ("2024-10-03", "2025-10-02")
    assert (service["due"], service["back"], service["late"], service["not_back"]) == (7, 6, 0, 1)
    assert service["share_back"] == pytest.approx(6 / 7, abs=1e-4)
    # P1 ended 2025-01-20 and was renewed here (P2): its vehicle's first policy here
    assert result.looked_back["renewal"] == {
        "ended": 1,
        "renewed": 1,
        "rate": 1.0,
        "by_last": {"first": {"ended": 1, "rate": 1.0}},
    }
    claims = [f.claim for f in _looked_back_findings(result, "zh")]
    assert claims[0].startswith(
        "保养招揽回顾：2024-10-03 至 2025-10-02 到期的 7 次保养中，6 次（86%）"
    )
    assert "1 次至今未回" in claims[0]
    assert (
        claims[1]
        == "续保回顾：近一年到期保单 1 张，在本店续保 100%；首次在本店到期的 1 张续保 100%。"
    )
    # a grace of 0 days: the due days of the whole of 2025 count; F's second (2025-11-27, not
    # back) joins: 8 due, 6 back, 2 not
    late = lists.looked_back(built[0], build_base(built[0], AS_OF), ListsConfig(overdue_days=0))
    assert (late["service"]["due"], late["service"]["back"], late["service"]["not_back"]) == (
        8,
        6,
        2,
    )


def test_the_phone_column_has_the_same_headers_in_every_table() -> None:
    from fourS_analytics.schema import TABLES, header_index, normalize_word

    for table in ("repair_orders", "vehicle_sales"):
        index = header_index(TABLES[table])
        for header in ("联系电话", "手机", "telephone", "mobile"):
            assert index[normalize_word(header)] == "phone", (table, header)


def test_a_short_export_says_why_there_is_no_service_look_back(tmp_path: Path) -> None:
    from fourS_analytics.report.build import _looked_back_gaps

    data = fours.load(_store(tmp_path / "store"))
    # as of 2025-06-30 the year of known outcomes ends 2025-04-01 (90 days' grace); the export
    # starts 2025-01-01 and no interval is shorter than 92 days: no service fell due in it
    result = lists.build(data, build_base(data, pd.Timestamp("2025-06-30")))
    assert result.looked_back["service"] == {
        "start": "2024-04-02",
        "end": "2025-04-01",
        "grace_days": 90,
        "due": 0,
        "data_from": "2025-01-01",
    }
    said = [f.claim for f in _looked_back_gaps(result, "zh")]
    assert said == [
        "回顾：2024-04-02 至 2025-04-01 没有到期的保养（数据从 2025-01-01 开始；到期日为上次保养"
        "加个人间隔，最近 90 天的结果尚不可知），暂无保养招揽回顾。"
    ]
    # the full year has due days: nothing of the kind is said
    assert _looked_back_gaps(lists.build(data, build_base(data, AS_OF)), "zh") == []


def test_lists_with_a_named_churn_model_skip_its_backtest_and_say_so(tmp_path: Path) -> None:
    from fourS_analytics.sample import sample_data_dir

    args = ["--lang", "en", "lists", str(sample_data_dir()), "--as-of", "2025-12-31"]
    said = "ranked by the BG/NBD model's churn probability, not backtested"
    runs = {}
    for name, extra in (("checked", []), ("quick", ["--model", "bgnbd"])):
        run = CliRunner().invoke(
            cli, [*args, "-o", str(tmp_path / name), *extra, "--format", "json"]
        )
        assert run.exit_code == 0, run.output
        runs[name] = json.loads(run.output)
    assert not any(said in note for note in runs["checked"]["notes"])
    assert any(said in note for note in runs["quick"]["notes"])
    # the same vehicles are due; only their order by churn risk may differ
    due = {
        name: pd.read_csv(tmp_path / name / "service_due.csv", encoding="utf-8-sig")
        for name in runs
    }
    assert len(due["quick"]) == len(due["checked"]) > 0
    assert set(due["quick"].iloc[:, 1]) == set(due["checked"].iloc[:, 1])
    bad = CliRunner().invoke(cli, [*args, "-o", str(tmp_path / "bad"), "--model", "best"])
    assert bad.exit_code == 2 and "--model" in bad.output and "Traceback" not in bad.output


def test_rows_of_other_tables_find_their_customer_by_vin_else_plate(built) -> None:
    """The renewal list's customer of a policy: the customer whose VIN it names, else whose
    plate; the latest such customer where two share one; nobody for neither."""
    data, _ = built
    base = build_base(data, AS_OF)
    c = base.customers
    first = c.index[0]
    vin, plate = c.loc[first, "vin"], c.loc[first, "plate"]
    rows = pd.DataFrame(
        {
            "vin": [vin, "LSVNOBODY00000000", None, None],
            "plate": [None, plate, plate, "粤Z99999"],
        },
        index=[10, 11, 12, 13],
    ).astype("str")
    assert rows["vin"].isna().tolist() == [False, False, True, True]  # missing, not "None"
    got = lists._units_of(base, rows)
    assert got.index.tolist() == [10, 11, 12, 13]
    assert got.tolist()[:3] == [first, first, first] and pd.isna(got.iloc[3])
    empty = replace(base, customers=c.iloc[:0])
    assert lists._units_of(empty, rows).isna().all()
