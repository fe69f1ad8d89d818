"""Writing a simulated store as a DMS would export it, mess included when asked.

Headers in Chinese or English, CSV in GB18030 or UTF-8 with BOM, or ``.xlsx``; each table
formats its dates its own way, as real DMS modules do. With ``mess_rate > 0`` the repair-order
export gets title lines, a 合计 row, a second export overlapping the first by a month
(duplicates), bad dates and Excel-spoiled phones; ``manifest.json`` lists each injection
so tests can check that ``fours validate`` finds every one. The ground truth goes to
``ground_truth/`` below the output folder, which the toolkit never reads.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .simulate import SimulatedStore

TABLE_FILES = {
    "repair_orders": "repair_orders",
    "appointments": "appointments",
    "insurance_policies": "insurance_policies",
    "csi_surveys": "csi_surveys",
    "staff": "staff",
    "vehicle_sales": "vehicle_sales",
}

HEADERS = {
    "zh": {
        "repair_orders": {
            "store": "门店",
            "ro_id": "工单号",
            "customer_id": "客户编号",
            "customer_name": "客户名称",
            "phone": "联系电话",
            "vin": "VIN",
            "plate": "车牌号",
            "model": "车型",
            "vehicle_sale_date": "购车日期",
            "open_time": "进厂时间",
            "promised_time": "预交车时间",
            "completed_time": "竣工时间",
            "delivered_time": "交车时间",
            "settled_time": "结算时间",
            "ro_type": "维修类型",
            "pay_type": "结算方式",
            "labor_hours": "工时",
            "labor_amount": "工时费(元)",
            "parts_amount": "材料费(元)",
            "total_amount": "结算金额(元)",
            "mileage": "进厂里程(km)",
            "advisor": "服务顾问",
            "technician": "维修技师",
            "is_appointment": "是否预约",
            "declined_work": "建议维修项目",
            "clocked_hours": "实际工时",
            "parts_cost": "配件成本(元)",
            "cost_amount": "成本金额(元)",
        },
        "appointments": {
            "store": "门店",
            "appt_id": "预约单号",
            "customer_id": "客户编号",
            "plate": "车牌号",
            "created_time": "登记时间",
            "scheduled_time": "预约到店时间",
            "status": "预约状态",
            "ro_id": "工单号",
        },
        "insurance_policies": {
            "store": "门店",
            "policy_id": "保单号",
            "vin": "车架号",
            "plate": "车牌号",
            "start_date": "起保日期",
            "end_date": "终保日期",
            "insurer": "保险公司",
            "premium": "保费(元)",
            "renewed_here": "是否续保",
        },
        "csi_surveys": {
            "store": "门店",
            "ro_id": "工单号",
            "survey_date": "回访日期",
            "score": "满意度",
            "scale": "满分",
            "comment": "客户意见",
        },
        "staff": {
            "store": "门店",
            "staff_id": "工号",
            "name": "姓名",
            "role": "岗位",
            "hire_date": "入职日期",
            "leave_date": "离职日期",
        },
        "vehicle_sales": {
            "store": "门店",
            "vin": "车架号",
            "plate": "车牌号",
            "customer_id": "客户编号",
            "customer_name": "购车人",
            "phone": "联系电话",
            "sale_date": "开票日期",
            "model": "车型",
        },
    },
    "en": {
        "repair_orders": {
            "store": "Dealer Code",
            "ro_id": "RO Number",
            "customer_id": "Customer No",
            "customer_name": "Customer Name",
            "phone": "Phone",
            "vin": "VIN",
            "plate": "License Plate",
            "model": "Model",
            "vehicle_sale_date": "Sale Date",
            "open_time": "Open Date",
            "promised_time": "Promise Time",
            "completed_time": "Completed Time",
            "delivered_time": "Pickup Date",
            "settled_time": "Close Date",
            "ro_type": "RO Type",
            "pay_type": "Pay Type",
            "labor_hours": "Flag Hours",
            "labor_amount": "Labor Sale",
            "parts_amount": "Parts Sale",
            "total_amount": "Total Sale",
            "mileage": "Odometer",
            "advisor": "Service Advisor",
            "technician": "Technician",
            "is_appointment": "Appointment Flag",
            "declined_work": "Declined Work",
            "clocked_hours": "Actual Hours",
            "parts_cost": "Parts Cost",
            "cost_amount": "Total Cost",
        },
        "appointments": {
            "store": "Dealer Code",
            "appt_id": "Appointment ID",
            "customer_id": "Customer No",
            "plate": "License Plate",
            "created_time": "Created Time",
            "scheduled_time": "Scheduled Time",
            "status": "Status",
            "ro_id": "RO Number",
        },
        "insurance_policies": {
            "store": "Dealer Code",
            "policy_id": "Policy No",
            "vin": "VIN",
            "plate": "License Plate",
            "start_date": "Start Date",
            "end_date": "End Date",
            "insurer": "Insurer",
            "premium": "Premium",
            "renewed_here": "Renewed",
        },
        "csi_surveys": {
            "store": "Dealer Code",
            "ro_id": "RO Number",
            "survey_date": "Survey Date",
            "score": "Score",
            "scale": "Scale",
            "comment": "Comment",
        },
        "staff": {
            "store": "Dealer Code",
            "staff_id": "Employee ID",
            "name": "Name",
            "role": "Role",
            "hire_date": "Hire Date",
            "leave_date": "Leave Date",
        },
        "vehicle_sales": {
            "store": "Dealer Code",
            "vin": "VIN",
            "plate": "License Plate",
            "customer_id": "Customer No",
            "customer_name": "Customer Name",
            "phone": "Phone",
            "sale_date": "Sale Date",
            "model": "Model",
        },
    },
}

WORDS = {
    "zh": {
        "maintenance": "定期保养",
        "first_service": "首保",
        "repair": "一般维修",
        "warranty": "索赔",
        "body_paint": "钣喷",
        "accident": "事故车",
        "internal": "内部",
        "wash": "洗车",
        "customer": "自费",
        "insurance": "保险",
        "customer+warranty": "自费+索赔",
        "shown": "已到店",
        "no_show": "爽约",
        "cancelled": "已取消",
        True: "是",
        False: "否",
        "机修技师": "机修技师",
        "钣喷技师": "钣喷技师",
        "服务顾问": "服务顾问",
    },
    "en": {
        "maintenance": "Maintenance",
        "first_service": "First Service",
        "repair": "Repair",
        "warranty": "Warranty",
        "body_paint": "Body & Paint",
        "accident": "Accident",
        "internal": "Internal",
        "wash": "Wash",
        "customer": "Customer Pay",
        "insurance": "Insurance",
        "customer+warranty": "Customer Pay+Warranty",
        "shown": "Shown",
        "no_show": "No Show",
        "cancelled": "Cancelled",
        True: "Y",
        False: "N",
        "机修技师": "Technician",
        "钣喷技师": "Body Technician",
        "服务顾问": "Service Advisor",
    },
}

# each DMS module writes dates its own way
DATE_FORMATS = {
    "repair_orders": "%Y-%m-%d %H:%M:%S",
    "appointments": "%Y/%m/%d %H:%M",
    "insurance_policies": "%Y%m%d",
    "csi_surveys": "%Y-%m-%d",
    "staff": "%Y-%m-%d",
    "vehicle_sales": "%Y/%m/%d",
}
CATEGORY_COLUMNS = ("ro_type", "pay_type", "status", "is_appointment", "renewed_here", "role")
BAD_DATE = "2025/13/45 25:61"
SPOILED_PHONE = "1.38E+10"


def _export_frame(frame: pd.DataFrame, table: str, lang: str, multi_store: bool) -> pd.DataFrame:
    headers = HEADERS[lang][table]
    columns = [c for c in headers if c in frame.columns and (multi_store or c != "store")]
    out = frame[columns].copy()
    fmt = DATE_FORMATS[table]
    for name in columns:
        col = out[name]
        if pd.api.types.is_datetime64_any_dtype(col):
            out[name] = col.dt.strftime(fmt).where(col.notna(), "")
        elif name in CATEGORY_COLUMNS:
            out[name] = col.map(lambda v: WORDS[lang].get(v, v))
        elif name in (
            "labor_amount",
            "parts_amount",
            "total_amount",
            "premium",
            "parts_cost",
            "cost_amount",
        ):
            out[name] = col.map(lambda v: f"{v:.2f}")
        elif name == "vehicle_sale_date":
            out[name] = col.dt.strftime("%Y-%m-%d")
    return out.rename(columns=headers)


def _write_csv(
    frame: pd.DataFrame,
    path: Path,
    encoding: str,
    title_lines: list[str] | None = None,
    footer: list[str] | None = None,
) -> None:
    """Stream the rows to disk (a million CJK rows as one string would cost a gigabyte)."""
    with path.open("w", encoding=encoding, newline="") as fh:
        for line in title_lines or []:
            fh.write(line + "\n")
        frame.to_csv(fh, index=False, lineterminator="\n", chunksize=100_000)
        if footer:
            fh.write(",".join(footer) + "\n")


def _write_xlsx(frame: pd.DataFrame, path: Path, sheet: str) -> None:
    """An .xlsx whose bytes depend only on the data (fixed timestamps inside the zip)."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        frame.to_excel(writer, index=False, sheet_name=sheet)
        props = writer.book.properties
        props.created = props.modified = pd.Timestamp("2000-01-01").to_pydatetime()
        props.creator = "fourS_analytics"
    buffer.seek(0)
    with zipfile.ZipFile(buffer) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in sorted(src.infolist(), key=lambda i: i.filename):
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps "modified" on save
                data = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                    rb"\g<1>2000-01-01T00:00:00Z\g<2>",
                    data,
                )
            fixed = zipfile.ZipInfo(info.filename, date_time=(2000, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(fixed, data)


def write_store(
    store: SimulatedStore,
    out_dir: str | Path,
    *,
    lang: str = "zh",
    encoding: str = "utf-8-sig",
    file_format: str = "csv",
    xlsx_tables: tuple[str, ...] = (),
    seed: int | None = None,
) -> dict[str, Any]:
    """Write the six exports, the ground truth and a manifest; return the manifest."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(None if seed is None else seed + 1)
    multi = store.params.stores > 1
    p = store.params
    manifest: dict[str, Any] = {
        "files": {},
        "mess": {},
        "params": asdict(p),
        "window": [str(store.window_start.date()), str(store.window_end.date())],
        "lang": lang,
        "encoding": encoding,
        "seed": seed,
    }
    tables = {
        "repair_orders": store.repair_orders,
        "appointments": store.appointments,
        "insurance_policies": store.insurance_policies,
        "csi_surveys": store.csi_surveys,
        "staff": store.staff,
        "vehicle_sales": store.vehicle_sales,
    }
    for table, frame in tables.items():
        if frame is None or frame.empty:
            continue
        export = _export_frame(frame, table, lang, multi)
        as_xlsx = file_format == "xlsx" or table in xlsx_tables
        name = TABLE_FILES[table]
        if table == "repair_orders" and p.mess_rate > 0 and not as_xlsx:
            manifest["mess"] = _write_messy_ros(
                export, frame, out, name, encoding, lang, rng, p.mess_rate
            )
            manifest["files"][table] = sorted(manifest["mess"]["files"])
            continue
        path = out / f"{name}.{'xlsx' if as_xlsx else 'csv'}"
        if as_xlsx:
            _write_xlsx(export, path, name)
        else:
            _write_csv(export, path, encoding)
        manifest["files"][table] = [path.name]
    truth_dir = out / "ground_truth"
    truth_dir.mkdir(exist_ok=True)
    store.truth.to_csv(truth_dir / "vehicles.csv", index=False, encoding="utf-8")
    visible = [c for c in store.repair_orders.columns if c.startswith("_")]
    store.repair_orders[["ro_id", *visible]].to_csv(
        truth_dir / "repair_orders.csv", index=False, encoding="utf-8"
    )
    (out / "manifest.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2, default=str), encoding="utf-8"
    )
    return manifest


def _write_messy_ros(
    export: pd.DataFrame,
    frame: pd.DataFrame,
    out: Path,
    name: str,
    encoding: str,
    lang: str,
    rng: np.random.Generator,
    rate: float,
) -> dict[str, Any]:
    """Two overlapping exports with title lines, a 合计 row, bad dates, spoiled phones."""
    n = len(export)
    months = frame["open_time"].dt.to_period("M")
    cut = months.unique()[len(months.unique()) // 2]
    first = (months <= cut).to_numpy()
    overlap = (months == cut).to_numpy()  # the cut month is in both exports
    second = ~first | overlap
    candidates = np.flatnonzero(~overlap)
    k = max(1, round(rate * n))
    picked = rng.choice(candidates, size=min(2 * k, len(candidates)), replace=False)
    bad_rows, spoiled_rows = np.sort(picked[:k]), np.sort(picked[k:])
    headers = HEADERS[lang]["repair_orders"]
    export = export.copy()
    export.loc[bad_rows, headers["open_time"]] = BAD_DATE
    if headers["phone"] in export.columns:
        export.loc[spoiled_rows, headers["phone"]] = SPOILED_PHONE
    title = (
        ["xx汽车销售服务有限公司 维修工单明细", "导出时间：2026/01/05 09:00"]
        if lang == "zh"
        else ["XX Motors Service Department - Repair Order Detail", "Exported 2026-01-05 09:00"]
    )
    files = []
    for part, mask in (("1", first), ("2", second)):
        rows = export[mask]
        total_col = [headers["total_amount"]]
        footer = ["合计" if lang == "zh" else "Total"] + [""] * (len(rows.columns) - 1)
        pos = list(rows.columns).index(total_col[0])
        footer[pos] = f"{frame.loc[mask, 'total_amount'].sum():.2f}"
        path = out / f"{name}_part{part}.csv"
        _write_csv(rows, path, encoding, title_lines=title, footer=footer)
        files.append(path.name)
    return {
        "files": files,
        "title_lines_per_file": len(title),
        "summary_rows": 2,
        "duplicates": int(overlap.sum()),
        "bad_dates": frame["ro_id"].to_numpy()[bad_rows].tolist(),
        "spoiled_phones": frame["ro_id"].to_numpy()[spoiled_rows].tolist(),
        "rows_written": int(first.sum()) + int(second.sum()),
    }
