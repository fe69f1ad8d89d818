"""Every user-facing word of the toolkit, in Chinese and English.

A message is looked up by key and formatted with named parameters. Adding a language means
adding one entry per key here; nothing else in the package holds user-facing text.
"""

from __future__ import annotations

import locale
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

LANGUAGES = ("zh", "en")

MESSAGES: dict[str, dict[str, str]] = {
    # ---- file-level errors: "<what is wrong>. <what to do>"
    "file_not_found": {
        "en": "{path}: no such file or folder. Check the path.",
        "zh": "{path}：文件或文件夹不存在。请检查路径。",
    },
    "no_exports_in_folder": {
        "en": "{path}: no CSV, TXT, XLSX or XLS files in this folder. Point to the exports.",
        "zh": "{path}：文件夹中没有 CSV、TXT、XLSX 或 XLS 文件。请指向导出文件所在位置。",
    },
    "not_a_file": {
        "en": "{path}: not a regular file (a named pipe, a device or a folder named like a "
        "file). Give the export file itself.",
        "zh": "{path}：不是普通文件（命名管道、设备或以文件名命名的文件夹）。请提供导出文件本身。",
    },
    "unreadable": {
        "en": "{path}: cannot read the file ({reason}). Check its permissions.",
        "zh": "{path}：无法读取文件（{reason}）。请检查文件权限。",
    },
    "empty_file": {
        "en": "{path}: the file is empty. Export the table again from the DMS.",
        "zh": "{path}：文件为空。请从 DMS 重新导出该表。",
    },
    "binary_file": {
        "en": "{path}: not a text table (binary content at byte {offset}). "
        "Export it as CSV or XLSX.",
        "zh": "{path}：不是文本表格（第 {offset} 字节处为二进制内容）。请导出为 CSV 或 XLSX。",
    },
    "mixed_encoding": {
        "en": "{path}: line {utf8_line} is UTF-8 but line {other_line} is not: the file mixes "
        "two encodings (one export appended to another?). Save it again in one encoding "
        "(UTF-8), or split it where the encoding changes.",
        "zh": "{path}：第 {utf8_line} 行是 UTF-8 编码，第 {other_line} 行却不是：文件混用了两种编码"
        "（可能是两个导出文件拼接而成）。请统一另存为 UTF-8，或在编码变化处拆分文件。",
    },
    "merged_cells": {
        "en": "{file}: {n} merged cell range(s) filled with their value, as Excel shows them "
        "({cells})",
        "zh": "{file}：{n} 处合并单元格已按 Excel 的显示填入其值（{cells}）",
    },
    "html_spans": {
        "en": "{file}: {n} cell(s) spanning several rows or columns laid out as the page shows "
        "them (their value in every place they cover)",
        "zh": "{file}：{n} 个跨行或跨列的单元格已按网页显示展开（所覆盖的每个位置都填入其值）",
    },
    "stray_above_header": {
        "en": "{file}: {n} cell(s) far outside the table, above its header, not read: {cells}",
        "zh": "{file}：表头上方、远在表格之外的 {n} 个单元格未读取：{cells}",
    },
    "hidden_sheets": {
        "en": "{file}: {n} hidden sheet(s) not read: {sheets}. Unhide a sheet to read it.",
        "zh": "{file}：未读取 {n} 个隐藏工作表：{sheets}。如需读取，请取消隐藏。",
    },
    "only_hidden_sheets": {
        "en": "{path}: the only tables are on hidden sheets ({sheets}). Unhide the sheet in "
        "Excel and save, or export again.",
        "zh": "{path}：表格只在隐藏的工作表中（{sheets}）。请在 Excel 中取消隐藏后保存，或重新导出。",
    },
    "western_encoding": {
        "en": "{file}: read as Windows-1252 (Western European): its accented letters stand "
        "alone, as Chinese characters' bytes never do. If that is wrong, save the file as UTF-8.",
        "zh": "{file}：按 Windows-1252（西欧）编码读取：其中的重音字母单独出现，中文编码的字节从不如此。"
        "如判断有误，请另存为 UTF-8。",
    },
    "undecodable": {
        "en": "{path}: bytes at offset {offset} (line {line}) are neither UTF-8 nor GB18030. "
        "Save the file as UTF-8 or GBK CSV.",
        "zh": "{path}：第 {offset} 字节处（第 {line} 行）既不是 UTF-8 也不是 GB18030 编码。"
        "请另存为 UTF-8 或 GBK 编码的 CSV。",
    },
    "encrypted_xlsx": {
        "en": "{path}: the workbook is password-protected. Save an unprotected copy.",
        "zh": "{path}：工作簿受密码保护。请另存一份未加密的副本。",
    },
    "bad_workbook": {
        "en": "{path}: cannot read the workbook ({reason}). Open it in Excel and save it "
        "again as .xlsx or CSV.",
        "zh": "{path}：无法读取工作簿（{reason}）。请用 Excel 打开后另存为 .xlsx 或 CSV。",
    },
    "unsupported_format": {
        "en": "{path}: unsupported file type '{suffix}'. Use CSV, TXT, XLSX or XLS.",
        "zh": "{path}：不支持的文件类型“{suffix}”。请使用 CSV、TXT、XLSX 或 XLS。",
    },
    "no_header": {
        "en": "{path}: no header row found in the first {lines} lines (expected headers such "
        "as {examples}). Add the file's headers to a mapping file (--mapping).",
        "zh": "{path}：前 {lines} 行中未找到表头（应包含如 {examples} 的列名）。"
        "请在映射文件（--mapping）中加入该文件的列名。",
    },
    "unknown_table": {
        "en": "{path}: cannot tell which table this is from its headers. "
        "Name it with --table TABLE={path_name}.",
        "zh": "{path}：无法根据表头判断这是哪张表。请用 --table 表名={path_name} 指定。",
    },
    "missing_required": {
        "en": "{path}: required column {column} ({examples}) is missing from the header. "
        "Add it to the export or map its header in a mapping file (--mapping).",
        "zh": "{path}：缺少必需列 {column}（如 {examples}）。"
        "请在导出中加入该列，或在映射文件（--mapping）中映射其列名。",
    },
    "missing_unit": {
        "en": "{path}: no customer column: the header needs one of customer_id, vin or plate "
        "(客户编号, VIN, 车牌号). Add one to the export or map it (--mapping).",
        "zh": "{path}：缺少客户标识列：表头需要客户编号、VIN 或车牌号之一。"
        "请在导出中加入，或在映射文件（--mapping）中映射。",
    },
    "no_data_rows": {
        "en": "{path}: the header was found on line {line} but no data rows follow. "
        "Export the table again with its rows.",
        "zh": "{path}：第 {line} 行为表头，但其后没有数据行。请重新导出包含数据的表。",
    },
    "ambiguous_dates": {
        "en": "{path}: column {column}: dates such as '{example}' could be day/month or "
        'month/day and no value decides it. Set date_order = "dmy" or "mdy" in '
        "[ingest] of the config, or pass --date-order.",
        "zh": "{path}：列 {column} 的日期（如“{example}”）无法判断是日/月还是月/日。"
        '请在配置的 [ingest] 中设置 date_order = "dmy" 或 "mdy"，或使用 --date-order。',
    },
    "inconsistent_dates": {
        "en": "{path}: column {column}: some dates are day/month ('{dmy}') and others "
        "month/day ('{mdy}'). Export the column in one date format.",
        "zh": "{path}：列 {column} 中既有日/月格式（“{dmy}”）又有月/日格式（“{mdy}”）。"
        "请以统一的日期格式导出该列。",
    },
    "bad_table_override": {
        "en": "--table {value}: expected TABLE=FILE with TABLE one of {tables}.",
        "zh": "--table {value}：格式应为 表名=文件，表名为 {tables} 之一。",
    },
    "bad_mapping_target": {
        "en": "{path}: header '{header}' is mapped to '{target}', which is not a column of "
        "{table}. Use one of: {columns}.",
        "zh": "{path}：列名“{header}”被映射到“{target}”，但它不是 {table} 的列。"
        "可用的列：{columns}。",
    },
    "bad_config": {
        "en": "{path}: {reason}. Fix the config file (see `fours init` for a commented one).",
        "zh": "{path}：{reason}。请修正配置文件（`fours init` 可生成带注释的示例）。",
    },
    "path_outside": {
        "en": "{path}: refused, it would be written outside {root}. This is a bug or a "
        "hostile name in the data; please report it.",
        "zh": "{path}：已拒绝，它会被写到 {root} 之外。这是程序缺陷或数据中的恶意名称，请报告。",
    },
    "needs_table": {
        "en": "no {table} table in the exports. Add a file with headers such as {headers} "
        "(or say which file holds it with --table {table}=FILE)",
        "zh": "导出文件中没有 {table} 表。请加入含有 {headers} 等列名的文件"
        "（或用 --table {table}=文件 指明）",
    },
    "not_fitted": {
        "en": "the {model} model is not fitted yet: call fit() first.",
        "zh": "{model} 模型尚未拟合：请先调用 fit()。",
    },
    "accounting_broken": {
        "en": "{path}: the row accounting does not add up ({counts}). This is a bug; please "
        "report it with the file.",
        "zh": "{path}：行数核对不一致（{counts}）。这是程序缺陷，请连同文件一起报告。",
    },
    "step_skipped": {
        "en": "{step} was not run: {reason}",
        "zh": "{step}未进行：{reason}",
    },
    "step_not_run": {
        "en": "the {step} analysis did not run ({reason}).",
        "zh": "{step} 分析未进行（{reason}）。",
    },
    "step_unknown": {
        "en": "unknown step(s) {steps}; use {known}.",
        "zh": "未知步骤 {steps}；可用：{known}。",
    },
    "step_kpi": {"en": "the KPIs", "zh": "关键指标"},
    "step_loyalty": {"en": "the loyalty analysis", "zh": "忠诚度分析"},
    "step_churn": {"en": "the churn analysis", "zh": "流失分析"},
    "step_workload": {"en": "the workshop analysis", "zh": "车间负荷分析"},
    "step_lists": {"en": "the call lists", "zh": "招揽名单"},
    "step_report": {"en": "the report", "zh": "年终报告"},
    "report_no_year": {
        "en": "no repair orders were opened in {year} (the data runs from {first} to {last}). "
        "Choose a year the exports cover.",
        "zh": "{year} 年没有开单的工单（数据范围 {first} 至 {last}）。请选择导出数据覆盖的年份。",
    },
    # ---- why a KPI is n/a (the KPI's own name stands beside it)
    "na_needs_column": {"en": "needs the column {header}", "zh": "需要“{header}”列"},
    "n_a": {"en": "n/a", "zh": "无"},
    "p_period": {"en": "{start} to {end}", "zh": "{start} 至 {end}"},
    "n_a_because": {"en": "n/a ({reason})", "zh": "无（{reason}）"},
    "na_no_base": {"en": "the compared value is 0", "zh": "对比期为 0"},
    "na_not_compared": {"en": "no figure to compare with", "zh": "无对比数据"},
    "na_outside_data": {
        "en": "the exports hold no repair orders in {period}",
        "zh": "导出数据中没有{period}的工单",
    },
    "na_partly_covered": {
        "en": "the exports start on {first}, within {period}",
        "zh": "数据从 {first} 开始，未覆盖{period}全期",
    },
    "na_ends_early": {
        "en": "the exports end on {last}, within {period}",
        "zh": "数据截至 {last}，未覆盖{period}全期",
    },
    "rp_brief_alone": {
        "en": "{kpi}: {value} (no comparison: {reason}).",
        "zh": "{kpi}：{value}（无同比：{reason}）。",
    },
    "u_yuan": {"en": " (yuan)", "zh": "（元）"},
    "u_yuan_hour": {"en": " (yuan an hour)", "zh": "（元/工时）"},
    "u_hours": {"en": " (hours)", "zh": "（小时）"},
    "u_points": {"en": "{value} pp", "zh": "{value} 个百分点"},
    "u_met": {"en": "met", "zh": "已达成"},
    "u_not_met": {"en": "not met", "zh": "未达成"},
    "na_needs_table": {"en": "needs {table}", "zh": "需要{table}数据"},
    "na_store_level": {"en": "a store-level KPI", "zh": "门店级指标"},
    "na_none_in_period": {"en": "no {what} in the period", "zh": "本期没有{what}"},
    "na_needs_repair_ros": {"en": "needs repair ROs in the period", "zh": "本期需有维修工单"},
    "na_no_prior_visits": {
        "en": "needs visits in the 12 months before the period",
        "zh": "需要本期前 12 个月的到店记录",
    },
    "na_nobody_on_roster": {"en": "nobody on the roster in the period", "zh": "本期人员名单为空"},
    "na_needs_times": {"en": "needs completed or delivered times", "zh": "需要竣工或交车时间"},
    "na_needs_promised": {
        "en": "needs promised and delivered times (预交车时间, 交车时间)",
        "zh": "需要预交车时间和交车时间",
    },
    "na_needs_model_amounts": {"en": "needs the vehicle model and amounts", "zh": "需要车型和金额"},
    "na_needs_csi": {"en": "needs CSI surveys", "zh": "需要满意度回访数据"},
    "na_needs_appt_flag": {"en": "needs the appointment flag (是否预约)", "zh": "需要“是否预约”列"},
    "na_needs_mileage": {"en": "needs mileage (进厂里程)", "zh": "需要进厂里程"},
    "na_needs_sale_date": {"en": "needs the vehicle sale date (购车日期)", "zh": "需要购车日期"},
    "na_needs_policies": {"en": "needs insurance policies", "zh": "需要保险保单数据"},
    "na_no_variation": {"en": "no variation in this data", "zh": "本数据中无差异"},
    "model_not_fitted": {"en": "not fitted: {reason}", "zh": "未能拟合：{reason}"},
    "wl_note_outside": {
        "en": "{n} ROs opened outside the opening hours are counted but not simulated",
        "zh": "{n} 张工单在营业时间外开单：已计入，但未纳入仿真",
    },
    "wl_note_no_plan": {
        "en": "no appointment plan found that leaves every hour no worse",
        "zh": "未找到能使每个时段都不变差的预约方案",
    },
    "w_settled_ros": {"en": "settled ROs", "zh": "结算工单"},
    "w_ros": {"en": "ROs", "zh": "工单"},
    "w_appointments_due": {"en": "appointments due", "zh": "到期预约"},
    "w_policies_ending": {"en": "policies ending", "zh": "到期保单"},
    "w_surveys": {"en": "surveys", "zh": "满意度回访"},
    "w_promised_times": {"en": "ROs with a promised time", "zh": "有预交车时间的工单"},
    "w_appointments": {"en": "appointments", "zh": "预约"},
    "w_policies": {"en": "insurance policies", "zh": "保险保单"},
    "w_csi": {"en": "CSI surveys", "zh": "满意度回访"},
    "w_staff": {"en": "the staff list or technicians on the ROs", "zh": "人员名单或工单上的技师"},
    "w_hours_sold": {
        "en": "ROs with labour hours and labour revenue",
        "zh": "有工时和工时费的工单",
    },
    "w_hours_clocked": {"en": "ROs with clocked hours", "zh": "有实际工时的工单"},
    "w_vehicle_sales": {
        "en": "a vehicle sales export (or sale dates on the ROs)",
        "zh": "新车销售导出（或工单上的购车日期）",
    },
    "na_no_first_service_cohort": {
        "en": "no car sold by the store has its {months}-month first-service window end in "
        "the period",
        "zh": "没有本店售出的新车在本期到达 {months} 个月的首保期限",
    },
    "na_not_customer_ros": {
        "en": "wash and internal ROs are not counted in intake",
        "zh": "洗车和内部工单不计入进厂台次",
    },
    # ---- why an option's value is refused (said inside bad_option, in the same language)
    "rs_not_date": {
        "en": "'{value}' is not a date such as 2025-12-31",
        "zh": "“{value}”不是日期（应如 2025-12-31）",
    },
    "rs_not_span": {
        "en": "'{value}' is not a span such as 365d, 12m or 1y",
        "zh": "“{value}”不是时长（应如 365d、12m 或 1y）",
    },
    "rs_not_positive_days": {
        "en": "'{value}' must be above 0 days",
        "zh": "“{value}”必须大于 0 天",
    },
    "rs_no_date_no_ro": {
        "en": "no date given and no repair order to take it from",
        "zh": "没有给出日期，也没有可以取日期的工单",
    },
    "rs_end_before_start": {"en": "{end} is before {start}", "zh": "{end} 早于 {start}"},
    "rs_bad_period": {"en": "'{value}': {why}", "zh": "“{value}”不是有效的期间（如月份超出 1-12）"},
    "rs_not_period": {
        "en": "'{value}' is not last-month, last-year, YYYY, YYYY-MM or DATE..DATE",
        "zh": "“{value}”不是 last-month、last-year、YYYY、YYYY-MM 或 日期..日期",
    },
    "rs_no_period_no_ro": {
        "en": "no period given and no repair order to take it from",
        "zh": "没有给出期间，也没有可以取期间的工单",
    },
    "rs_no_ro_in_period": {
        "en": "no repair orders were opened in {period} (the data runs from {first} to {last})",
        "zh": "{period} 没有开单的工单（数据范围为 {first} 至 {last}）",
    },
    "rs_before_data": {
        "en": "{day} is before the first repair order ({first}); give a day from {first} to {last}",
        "zh": "{day} 早于第一张工单（{first}）；请给出 {first} 至 {last} 之间的日期",
    },
    "rs_end_needed": {"en": "needed with a start here", "zh": "给出开始日期时必须同时给出"},
    "rs_not_compare": {
        "en": "'{value}' is not prev, none, a year or DATE..DATE",
        "zh": "“{value}”不是 prev、none、年份或 日期..日期",
    },
    "rs_not_both": {
        "en": "give --period or {others}, not both",
        "zh": "请给出 --period 或 {others}，不要同时给出",
    },
    "rs_year_or_period": {"en": "give --year or --period", "zh": "请给出 --year 或 --period"},
    # ---- why a setting's value is refused (the config file, the ingest options, the flags)
    "rs_at_least": {
        "en": "{value} must be {minimum} or more",
        "zh": "{value} 必须不小于 {minimum}",
    },
    "rs_above_other": {"en": "must be above {other}", "zh": "必须大于 {other}"},
    "rs_backtest_needs_model": {
        "en": "can be false only with [churn] model named (bgnbd, schedule or supervised)",
        "zh": "只有指定 [churn] model（bgnbd、schedule 或 supervised）时才能为 false",
    },
    "rs_at_least_other": {"en": "must be at least {other}", "zh": "必须不小于 {other}"},
    "rs_at_most_other": {"en": "must be at most {other}", "zh": "必须不大于 {other}"},
    "rs_between": {"en": "must be between {low} and {high}", "zh": "必须在 {low} 到 {high} 之间"},
    "rs_range_to": {"en": "must be {low} to {high}", "zh": "必须是 {low} 到 {high}"},
    "rs_above_zero_to_one": {"en": "must be above 0 and at most 1", "zh": "必须大于 0 且不超过 1"},
    "rs_above_minus_one": {"en": "must be above -1 (-100 %)", "zh": "必须大于 -1（-100 %）"},
    "rs_positive_minutes": {
        "en": "must be a positive number of minutes",
        "zh": "必须是大于 0 的分钟数",
    },
    "rs_keep": {"en": "must be 0 (keep all) or more", "zh": "必须为 0（全部保留）或更大"},
    "rs_open_hours": {
        "en": "needs 0 <= open_hour < close_hour <= 24",
        "zh": "须满足 0 <= open_hour < close_hour <= 24",
    },
    "rs_open_days": {
        "en": "days are 0 (Monday) to 6 (Sunday)",
        "zh": "营业日为 0（周一）到 6（周日）",
    },
    "rs_weights": {
        "en": "weights must be non-negative and not all zero",
        "zh": "权重不能为负，也不能全为 0",
    },
    "rs_unknown_parts": {
        "en": "unknown component(s) {unknown}; use {known}",
        "zh": "未知的组成部分 {unknown}；可用：{known}",
    },
    "rs_not_one_of": {
        "en": "'{value}' is not one of {choices}",
        "zh": "“{value}”不是 {choices} 之一",
    },
    "rs_not_among": {"en": "'{value}' not among {choices}", "zh": "“{value}”不是 {choices} 之一"},
    "rs_one_of": {"en": "must be one of {choices}", "zh": "必须是 {choices} 之一"},
    "rs_use_one_of": {"en": "use one of {choices}", "zh": "请用 {choices} 之一"},
    "rs_text_or_json": {"en": "must be text or json", "zh": "必须是 text 或 json"},
    "rs_not_scale": {
        "en": "'{value}' is not a scale; use {choices}",
        "zh": "“{value}”不是评分量程；请用 {choices} 之一",
    },
    "rs_unknown_categories": {
        "en": "unknown category set; use one of {choices}",
        "zh": "未知的类别集合；请用 {choices} 之一",
    },
    "rs_unknown_keys": {
        "en": "unknown key(s) {unknown}; known: {known}",
        "zh": "未知的键 {unknown}；可用：{known}",
    },
    "rs_unknown_breakdown": {
        "en": "unknown breakdown {value}; use one of {choices}",
        "zh": "未知的细分维度 {value}；请用 {choices} 之一",
    },
    "rs_not_folder": {"en": "{path} is not a folder", "zh": "{path} 不是文件夹"},
    "rs_template_failed": {
        "en": "the template failed{where}: {detail}",
        "zh": "模板出错{where}：{detail}",
    },
    "rs_no_store_that_year": {"en": "no store has data that year", "zh": "没有门店有该年的数据"},
    "rs_group_needs_kpi": {"en": "the group report needs the KPIs", "zh": "集团报告需要 KPI 步骤"},
    "rs_no_labels": {
        "en": "this snapshot's horizon is not over: no labels",
        "zh": "该快照的观察期尚未结束，没有结果标签",
    },
    "rs_os_error": {"en": "{path}: {detail}", "zh": "{path}：{detail}"},
    "rs_no_section": {"en": "no such settings section", "zh": "没有这个设置节"},
    "rs_not_setting": {"en": "not a setting of [{section}]", "zh": "不是 [{section}] 中的设置"},
    "rs_value_why": {"en": "{value} {why}", "zh": "{value} {why}"},
    "rs_setting_why": {
        "en": "[{section}] {field} = {value} {why}",
        "zh": "[{section}] {field} = {value} {why}",
    },
    "rs_top_why": {"en": "{field} = {value} {why}", "zh": "{field} = {value} {why}"},
    "rs_option_why": {"en": "{option}: {why}", "zh": "{option}：{why}"},
    "rs_section_why": {"en": "[{section}]: {why}", "zh": "[{section}]：{why}"},
    "rs_must_be": {"en": "must be {expected}", "zh": "必须是{expected}"},
    "rs_month_key": {
        "en": 'has a key that is not a month such as "2025-01"',
        "zh": '的键不是形如 "2025-01" 的月份',
    },
    "rs_not_finite": {"en": "must be a finite number", "zh": "必须是有限的数字"},
    "rs_must_be_bool": {
        "en": "must be true or false (without quotes: true or false)",
        "zh": "必须是 true 或 false（不加引号）",
    },
    "ty_bool": {"en": "true or false", "zh": "true 或 false"},
    "ty_int": {"en": "a whole number", "zh": "整数"},
    "ty_float": {"en": "a number", "zh": "数字"},
    "ty_str": {"en": "a text in quotes", "zh": "加引号的文字"},
    "ty_table": {"en": "a table", "zh": "一个表"},
    "ty_list": {"en": "a list", "zh": "列表"},
    "ty_list_str": {
        "en": 'a list of texts in quotes, e.g. ["html", "md"]',
        "zh": '加引号的文字列表（如 ["html", "md"]）',
    },
    "ty_list_int": {"en": "a list of whole numbers", "zh": "整数列表"},
    "ty_list_float": {"en": "a list of numbers", "zh": "数字列表"},
    "ty_list_of": {"en": "a list of {items}", "zh": "{items}的列表"},
    "ty_or": {"en": "{a} or {b}", "zh": "{a}或{b}"},
    "rs_file_not_found": {"en": "file not found", "zh": "文件不存在"},
    "rs_a_folder": {"en": "a folder, not a file", "zh": "这是文件夹，不是文件"},
    "rs_not_toml": {"en": "not valid TOML ({detail})", "zh": "不是有效的 TOML（{detail}）"},
    "rs_not_utf8": {"en": "not UTF-8 text", "zh": "不是 UTF-8 文本"},
    "rs_mapping_lines": {
        "en": 'expected lines such as "客户名" = "customer_name"',
        "zh": '应为 "客户名" = "customer_name" 这样的行',
    },
    "rs_headers_lines": {
        "en": '[ingest.headers] expects lines such as "车辆识别代码" = "vin"',
        "zh": '[ingest.headers] 应为 "车辆识别代码" = "vin" 这样的行',
    },
    "rs_must_be_table": {"en": "[{field}] must be a table", "zh": "[{field}] 必须是一个表"},
    "rs_did_you_mean": {"en": " (did you mean '{word}'?)", "zh": "（是否想写“{word}”？）"},
    "rs_no_key": {
        "en": "[{section}] has no key '{field}'{hint}; known: {known}",
        "zh": "[{section}] 中没有“{field}”{hint}；可用：{known}",
    },
    "rs_unknown_table": {
        "en": "unknown key or table '{field}'{hint}; tables: {tables}",
        "zh": "未知的键或表“{field}”{hint}；可用的表：{tables}",
    },
    "rs_old_name": {
        "en": "[{name}] {field} is the old name of [{section}] {new}; keep one",
        "zh": "[{name}] {field} 是 [{section}] {new} 的旧名称，请只保留一个",
    },
    "bad_option": {
        "en": "{option}: {reason}.",
        "zh": "{option}：{reason}。",
    },
    "output_not_writable": {
        "en": "{path}: cannot write here ({reason}). Choose another output path.",
        "zh": "{path}：无法写入（{reason}）。请选择其他输出路径。",
    },
    "sample_missing": {
        "en": "The embedded sample store is missing from the installation ({path}). "
        "Reinstall fourS_analytics.",
        "zh": "安装中缺少内置示例门店数据（{path}）。请重新安装 fourS_analytics。",
    },
    "model_failed": {
        "en": "The {model} model did not converge on this data. Try a longer history or "
        "--model schedule.",
        "zh": "{model} 模型在该数据上未能收敛。请使用更长的历史数据，或使用 --model schedule。",
    },
    "model_no_data": {
        "en": "Too little data to fit the {model} model (needs customers with repeat visits).",
        "zh": "数据太少，无法拟合 {model} 模型（需要有回厂记录的客户）。",
    },
    "model_no_training": {
        "en": "The {model} model learns from an earlier labelled period: the history before "
        "{cutoff} holds no {horizon}-day period with {history} days of history before it "
        "(the backtest needs {needs} days of repair orders for it).",
        "zh": "{model} 模型需要更早的已知结果期来学习：{cutoff} 之前的历史不足以构成一个前有 {history} 天"
        "历史的 {horizon} 天观察期（回测它需要 {needs} 天的工单）。",
    },
    "model_failed_because": {
        "en": "The {model} model could not be fitted: {reason}.",
        "zh": "{model} 模型无法拟合：{reason}。",
    },
    "ro_no_rows": {
        "en": "No usable repair order in {files} ({rows} rows read, {rejected} rejected): "
        "run fours validate to see why, or export the repair orders again.",
        "zh": "{files} 中没有可用的工单（读到 {rows} 行，拒收 {rejected} 行）：请运行 fours validate "
        "查看原因，或重新导出工单。",
    },
    "no_history_yet": {
        "en": "No repair order on or before {day} (the data runs from {first} to {last}): "
        "nothing to look back on. Give a later day.",
        "zh": "{day} 及之前没有工单（数据范围为 {first} 至 {last}），无从回看。请给出更晚的日期。",
    },
    "churn_too_little": {
        "en": "Too little history for churn: {customers} customers over {days} days; scoring "
        "needs 28 days of repair orders and a backtest 180. Load a longer export.",
        "zh": "流失分析的历史数据太少：{customers} 位客户，跨度 {days} 天；评分至少需要 28 天的工单，"
        "回测需要 180 天。请导入更长时间的数据。",
    },
    "churn_no_contrast": {
        "en": "Nobody (or everybody) came back after {cutoff}: the backtest cannot tell models "
        "apart (a different --as-of or a longer export would).",
        "zh": "{cutoff} 之后没有客户回厂（或全部回厂），回测无法比较模型。请更换 --as-of 或导入更长的数据。",
    },
    "churn_few_customers": {
        "en": "Only {n} customers in the backtest (fewer than {minimum}): treat the model "
        "choice and the drivers with care.",
        "zh": "回测仅有 {n} 位客户（少于 {minimum} 位）：模型选择与流失因素仅供参考。",
    },
    "churn_why_best": {
        "en": "{model} has the best backtest ROC AUC ({auc}) over the {days} days after "
        "{cutoff}{others}.",
        "zh": "{model} 在 {cutoff} 之后 {days} 天的回测中 ROC AUC 最高（{auc}{others}）。",
    },
    "churn_why_named": {
        "en": "{model} was named with --model (backtest ROC AUC {auc} over the {days} days "
        "after {cutoff}{others}).",
        "zh": "按 --model 指定使用 {model}（{cutoff} 之后 {days} 天的回测 ROC AUC {auc}{others}）。",
    },
    "churn_short_backtest": {
        "en": "The history allows a backtest over {days} days, not the {asked} asked: the "
        "models are compared on {days} days and forecast {asked}.",
        "zh": "历史数据只够回测 {days} 天（要求 {asked} 天）：模型按 {days} 天比较，按 {asked} 天预测。",
    },
    "churn_not_validated": {
        "en": "Not validated on this store's history: {days} days of repair orders leave no "
        "room for a backtest (it needs {needs}); BG/NBD scores the customers, the lapsed and "
        "lost lists are rules.",
        "zh": "未经本店历史验证：工单仅 {days} 天，不足以回测（需要 {needs} 天）；由 BG/NBD 评分，"
        "流失名单按规则生成。",
    },
    "churn_not_backtested": {
        "en": "Not backtested in this run: the {model} was named to score without the backtest "
        "that picks and checks a model ([churn] backtest = false, or fours lists --model); "
        "fours churn compares the models on this store's history.",
        "zh": "本次未回测：指定由{model}直接评分，未经挑选和检验模型的回测（[churn] backtest = "
        "false 或 fours lists --model）；fours churn 会用本店历史比较各模型。",
    },
    "churn_why_unbacktested": {
        "en": "The {model} was named to score without a backtest.",
        "zh": "指定由{model}直接评分，未经回测。",
    },
    "churn_why_unvalidated": {
        "en": "bgnbd scores the customers without a backtest ({days} days of history).",
        "zh": "bgnbd 直接评分，未经回测（历史 {days} 天）。",
    },
    "churn_fallback": {
        "en": "{model} could not be refitted on the latest history; BG/NBD scores instead.",
        "zh": "{model} 无法用最新历史重新拟合，改由 BG/NBD 评分。",
    },
    "churn_why_baseline": {
        "en": "No model beats the plain rule {model} here: it ranks the customers best in the "
        "backtest (ROC AUC {auc} over the {days} days after {cutoff}{others}) and is used.",
        "zh": "本店没有模型优于简单规则 {model}：它在 {cutoff} 之后 {days} 天的回测中排序最好"
        "（ROC AUC {auc}{others}），因此采用该规则。",
    },
    "churn_margin_noise": {
        "en": "{model} leads the best plain rule {baseline} by {difference} ROC AUC, but the "
        "paired bootstrap interval ({low} to {high}) includes no lead: the lead may be noise.",
        "zh": "{model} 的 ROC AUC 比最好的简单规则 {baseline} 高 {difference}，但配对自助法区间"
        "（{low} 至 {high}）包含 0：领先可能只是噪声。",
    },
    "churn_param_at_bound": {
        "en": "The {model} model's parameter {param} sits at its bound ({value}): it is a limit "
        "of the fit, not an estimate; read that model's scores with care.",
        "zh": "{model} 模型的参数 {param} 停在取值边界（{value}）：这是拟合的限制而非估计值，"
        "该模型的评分仅供参考。",
    },
    "churn_others": {"en": "; others: {others}", "zh": "；其他：{others}"},
    "churn_no_others": {"en": "", "zh": ""},
    # ---- churn factors, reasons and actions
    "f_post_warranty": {"en": "warranty ended", "zh": "保修期已过"},
    "f_old_vehicle": {"en": "vehicle 6 years or older", "zh": "车龄 6 年以上"},
    "f_comeback": {"en": "comeback at the last visit", "zh": "上次到店为返修"},
    "f_long_wait": {"en": "long wait at the last visit", "zh": "上次到店等待时间长"},
    "f_late_delivery": {"en": "late delivery at the last visit", "zh": "上次交车延误"},
    "f_high_price": {"en": "price above the same model's average", "zh": "价格高于同车型平均"},
    "f_low_csi": {"en": "low CSI at the last visit", "zh": "上次满意度低"},
    "f_appointment_use": {"en": "appointment use (share of visits)", "zh": "预约到店比例"},
    "f_one_visit": {"en": "only one visit", "zh": "仅到店一次"},
    "f_advisor": {"en": "advisor {name}", "zh": "服务顾问 {name}"},
    "rs_overdue": {"en": "{days} days overdue for service", "zh": "逾期 {days} 天未保养"},
    "rs_warranty": {
        "en": "warranty ended (vehicle {years} years old)",
        "zh": "保修期已过（车龄 {years} 年）",
    },
    "rs_comeback": {"en": "came back for a comeback last time", "zh": "上次返修"},
    "rs_long_wait": {"en": "waited long last time", "zh": "等待时间长"},
    "rs_late": {"en": "delivered late last time", "zh": "交车延误"},
    "rs_price": {"en": "paid {pct}% above the model average", "zh": "价格高于同车型平均 {pct}%"},
    "rs_low_csi": {"en": "a low satisfaction score", "zh": "满意度低"},
    "rs_old": {"en": "vehicle {years} years old", "zh": "车龄 {years} 年"},
    "rs_one_visit": {"en": "only one visit so far", "zh": "仅到店一次"},
    "ac_comeback": {
        "en": "service-manager call about the comeback",
        "zh": "站长致电回访，处理返修问题",
    },
    "ac_wait": {
        "en": "invite to a booked slot with an on-time promise",
        "zh": "邀约预约专属时段，承诺准时交车",
    },
    "ac_price": {"en": "offer a fixed-price maintenance package", "zh": "推荐保养套餐（一口价）"},
    "ac_csi": {"en": "customer-care call to resolve the complaint", "zh": "客服回访，解决投诉"},
    "ac_warranty": {"en": "offer an extended warranty or service plan", "zh": "推荐延保或保养计划"},
    "ac_overdue": {
        "en": "reminder call with a maintenance offer",
        "zh": "保养提醒电话并提供保养优惠",
    },
    "ac_courtesy": {"en": "courtesy call", "zh": "关怀回访"},
    "st_lapsing": {"en": "lapsing (12-24 months)", "zh": "基础流失（12-24 个月）"},
    "st_lost": {"en": "lost (over 24 months)", "zh": "流失（超过 24 个月）"},
    # ---- tiers and charts
    "tier_core": {"en": "core", "zh": "核心忠诚"},
    "tier_regular": {"en": "regular", "zh": "稳定"},
    "tier_occasional": {"en": "occasional", "zh": "一般"},
    "tier_at_risk": {"en": "at risk", "zh": "预警"},
    "tier_lapsed": {"en": "lapsed", "zh": "流失"},
    "ch_tiers": {"en": "Customers by loyalty tier", "zh": "客户忠诚度分层"},
    "ch_customers": {"en": "customers", "zh": "客户数"},
    "ch_revenue_share": {"en": "{pct}% of revenue", "zh": "产值占比 {pct}%"},
    "ch_months_since": {"en": "months since the last visit", "zh": "距上次到店（月）"},
    "ch_visits": {"en": "visits", "zh": "到店次数"},
    "ch_freq_recency": {"en": "Customers by visits and recency", "zh": "到店频次与最近到店"},
    "ch_predicted": {"en": "predicted churn probability", "zh": "预测流失概率"},
    "ch_actual": {"en": "share that did not come back", "zh": "实际未回厂比例"},
    "ch_calibration": {"en": "Calibration (backtest)", "zh": "校准图（回测）"},
    "ch_decile": {"en": "decile by churn score (1 = highest)", "zh": "流失风险十分位（1 为最高）"},
    "ch_lift": {"en": "lift over the average", "zh": "提升度"},
    "ch_lift_title": {"en": "Lift by decile (backtest)", "zh": "十分位提升度（回测）"},
    "ch_odds_ratio": {"en": "odds ratio of leaving (95% interval)", "zh": "流失优势比（95% 区间）"},
    "ch_drivers": {"en": "Drivers of churn", "zh": "流失驱动因素"},
    # ---- loyalty and churn printouts
    "lo_title": {
        "en": "Loyalty as of {date}: {n} customers",
        "zh": "截至 {date} 的客户忠诚度：{n} 位客户",
    },
    "lo_weights": {"en": "Score weights: {weights}", "zh": "评分权重：{weights}"},
    "h_unit_id": {"en": "unit_id", "zh": "客户编号"},
    "h_rank": {"en": "rank", "zh": "排名"},
    "h_score": {"en": "score", "zh": "忠诚度得分"},
    "h_tier": {"en": "tier", "zh": "层级代码"},
    "h_tier_label": {"en": "tier_label", "zh": "层级"},
    "h_visits": {"en": "visits", "zh": "到店次数"},
    "h_last_visit": {"en": "last_visit", "zh": "上次到店"},
    "h_expected_visits_12m": {"en": "expected_visits_12m", "zh": "未来12个月预计到店"},
    "h_clv": {"en": "clv", "zh": "客户价值（元）"},
    "h_advisor": {"en": "advisor", "zh": "服务顾问"},
    "by_all": {"en": "all", "zh": "全部"},  # the whole period's row above a breakdown's
    "by_month": {"en": "KPI by month", "zh": "按月指标"},
    "by_quarter": {"en": "KPI by quarter", "zh": "按季度指标"},
    "by_advisor": {"en": "KPI by advisor", "zh": "按服务顾问指标"},
    "by_technician": {"en": "KPI by technician", "zh": "按技师指标"},
    "by_ro_type": {"en": "KPI by RO type", "zh": "按维修类型指标"},
    "by_store": {"en": "KPI by store", "zh": "按门店指标"},
    "h_model": {"en": "model", "zh": "车型"},
    "h_customer_name": {"en": "customer_name", "zh": "客户姓名"},
    "h_phone": {"en": "phone", "zh": "电话"},
    "h_plate": {"en": "plate", "zh": "车牌"},
    "h_vin": {"en": "vin", "zh": "VIN"},
    "h_p_churn": {"en": "p_churn", "zh": "流失概率"},
    "h_expected_visits": {"en": "expected_visits", "zh": "预计到店次数"},
    "h_p_alive": {"en": "p_alive", "zh": "仍活跃概率"},
    "h_days_since_last": {"en": "days_since_last", "zh": "距上次到店天数"},
    "h_interval_days": {"en": "interval_days", "zh": "保养间隔（天）"},
    "h_overdue_days": {"en": "overdue_days", "zh": "逾期天数"},
    "h_vehicle_age_years": {"en": "vehicle_age_years", "zh": "车龄（年）"},
    "h_customer_pay": {"en": "customer_pay", "zh": "自费金额（元）"},
    "h_price_ratio": {"en": "price_ratio", "zh": "价格/同车型平均"},
    "h_reasons": {"en": "reasons", "zh": "原因"},
    "h_value": {"en": "value", "zh": "客户价值（元）"},
    "h_value_at_risk": {"en": "value_at_risk", "zh": "风险价值（元）"},
    "h_priority": {"en": "priority", "zh": "优先级"},
    "h_reason": {"en": "reason", "zh": "原因"},
    "h_due_date": {"en": "due_date", "zh": "到期日"},
    "h_slot": {"en": "slot", "zh": "建议预约时段"},
    "h_spare_capacity": {"en": "spare_capacity", "zh": "空闲容量（台/周）"},
    "h_days_to_due": {"en": "days_to_due", "zh": "距到期天数"},
    "h_last_service": {"en": "last_service", "zh": "上次保养"},
    "h_band_days": {"en": "band_days", "zh": "到期档（天内）"},
    "h_policy_id": {"en": "policy_id", "zh": "保单号"},
    "h_end_date": {"en": "end_date", "zh": "终保日期"},
    "h_days_left": {"en": "days_left", "zh": "剩余天数"},
    "h_insurer": {"en": "insurer", "zh": "保险公司"},
    "h_premium": {"en": "premium", "zh": "保费（元）"},
    "h_renewed_last": {"en": "renewed_last", "zh": "上次本店续保"},
    "h_p_renew": {"en": "p_renew", "zh": "续保概率"},
    "h_sale_date": {"en": "sale_date", "zh": "购车日期"},
    "h_months_since_sale": {"en": "months_since_sale", "zh": "购车月数"},
    "h_ro_id": {"en": "ro_id", "zh": "工单号"},
    "h_ro_date": {"en": "ro_date", "zh": "工单日期"},
    "h_days_since": {"en": "days_since", "zh": "已过天数"},
    "h_declined_work": {"en": "declined_work", "zh": "未修项目"},
    "h_event_date": {"en": "event_date", "zh": "活动日期"},
    "h_list": {"en": "list", "zh": "名单"},
    "h_count": {"en": "count", "zh": "数量"},
    # ---- the call lists (fours lists)
    "ln_service_due": {"en": "Service due", "zh": "保养招揽"},
    "ln_renewal_due": {"en": "Insurance renewal due", "zh": "续保提醒"},
    "ln_insure_here": {"en": "Serviced here, not insured here", "zh": "在修不在保"},
    "ln_first_service_due": {"en": "First service due", "zh": "首保招揽"},
    "ln_first_service_lost": {"en": "First service lost", "zh": "首保流失"},
    "ln_declined": {"en": "Declined work", "zh": "未修项目"},
    "ln_events": {"en": "Event invitations", "zh": "活动邀请"},
    "ls_needs": {"en": "needs {table}", "zh": "需要{table}数据"},
    "ls_needs_declined": {
        "en": "needs a declined-work column in the repair orders (建议维修项目, 客户拒修项目)",
        "zh": "维修工单中需要未修项目列（建议维修项目、客户拒修项目）",
    },
    "ls_needs_loyalty": {"en": "needs the loyalty scores", "zh": "需要忠诚度评分"},
    "ls_churn_unchecked": {
        "en": "service calls are ranked by the {model}'s churn probability, not backtested on "
        "this store's history in this run",
        "zh": "保养招揽按{model}的流失概率排序，本次未经本店历史回测",
    },
    "ls_no_churn": {
        "en": "the churn model did not run: service calls are ranked by value alone",
        "zh": "流失模型未运行：保养招揽只按客户价值排序",
    },
    "ls_back_service": {
        "en": "Looking back: {share} of the {due} services due in the year came back within "
        "{grace} days of the due day.",
        "zh": "回顾：近一年到期的 {due} 次保养中 {share} 在到期后 {grace} 天内回店。",
    },
    "ls_back_service_none": {
        "en": "Looking back: no service fell due from {start} to {end} (the export starts "
        "{first}; a due day is a service plus the customer's interval, and the last {grace} "
        "days' outcomes are not known yet), so there is no service look-back.",
        "zh": "回顾：{start} 至 {end} 没有到期的保养（数据从 {first} 开始；到期日为上次保养"
        "加个人间隔，最近 {grace} 天的结果尚不可知），暂无保养招揽回顾。",
    },
    "ls_back_renewal": {
        "en": "Looking back: {ended} policies ended in the year; {rate} renewed here.",
        "zh": "回顾：近一年到期保单 {ended} 张，在本店续保 {rate}。",
    },
    "ls_no_slots": {
        "en": "No suggested slots: the workload analysis did not run (fours run gives them).",
        "zh": "未给出建议预约时段：负荷分析未运行（fours run 会给出）。",
    },
    "ls_line": {"en": "{name}: {count}", "zh": "{name}：{count}"},
    "ls_not_built": {"en": "{name}: not built ({why})", "zh": "{name}：未生成（{why}）"},
    "ls_book_head": {
        "en": "lists.xlsx holds the first {rows} rows (the calls most worth making); every row "
        "is in {file}",
        "zh": "lists.xlsx 中为前 {rows} 行（最值得先打的电话）；完整名单见 {file}",
    },
    "ls_book_lines": {
        "en": "lists.xlsx: the first {rows} rows of {names}; every row in their CSVs "
        "([lists] workbook_rows, --workbook-rows 0 for all)",
        "zh": "lists.xlsx：{names} 只含前 {rows} 行；完整名单见各自的 CSV"
        "（[lists] workbook_rows，--workbook-rows 0 为全部）",
    },
    "ls_service_week": {
        "en": "Service due in {weeks} weeks or recently overdue: {per_week} a week to book "
        "({expected} a week would come without a call).",
        "zh": "未来 {weeks} 周到期及近期逾期的保养：每周约 {per_week} 台待预约（不打电话也会来的约 {expected} 台）。",
    },
    "ls_title": {"en": "Call lists as of {day}", "zh": "截至 {day} 的招揽名单"},
    "lr_service_due": {
        "en": "service due {due} (every {interval} days)",
        "zh": "保养 {due} 到期（周期 {interval} 天）",
    },
    "lr_service_overdue": {
        "en": "service overdue {days} days (due {due})",
        "zh": "保养已逾期 {days} 天（{due} 到期）",
    },
    "lr_renewal_first": {
        "en": "policy ends {end}, {days} days left; no earlier policy here",
        "zh": "保单 {end} 到期，剩 {days} 天；无上一张本店保单",
    },
    "lr_renewal_again": {
        "en": "policy ends {end}, {days} days left; renewed here last time",
        "zh": "保单 {end} 到期，剩 {days} 天；上次在本店续保",
    },
    "lr_renewal_lost_last": {
        "en": "policy ends {end}, {days} days left; not renewed here last time",
        "zh": "保单 {end} 到期，剩 {days} 天；上次未在本店续保",
    },
    "lr_insure_here": {
        "en": "{visits} visits, last {last}; no current policy here",
        "zh": "到店 {visits} 次，最近 {last}；本店无有效保单",
    },
    "lr_first_service_due": {
        "en": "bought {sale}; first service due {due}",
        "zh": "{sale} 购车；首保 {due} 到期",
    },
    "lr_first_service_overdue": {
        "en": "bought {sale}; first service overdue {days} days",
        "zh": "{sale} 购车；首保已逾期 {days} 天",
    },
    "lr_first_service_lost": {
        "en": "bought {sale}; no first service in {months} months",
        "zh": "{sale} 购车；{months} 个月未做首保",
    },
    "lr_declined": {
        "en": "declined on {day}: {work}; not back for {days} days",
        "zh": "{day} 未修：{work}；{days} 天未回厂",
    },
    "lr_event_core": {"en": "core customer, score {score}", "zh": "核心忠诚客户，忠诚度 {score}"},
    "lr_event_regular": {
        "en": "regular customer, score {score}",
        "zh": "稳定客户，忠诚度 {score}",
    },
    "h_action": {"en": "action", "zh": "建议行动"},
    "h_reason_codes": {"en": "reason_codes", "zh": "原因代码"},
    "h_status": {"en": "status", "zh": "状态代码"},
    "h_status_label": {"en": "status_label", "zh": "状态"},
    "h_weekday": {"en": "weekday", "zh": "星期代码"},
    "h_weekday_label": {"en": "weekday_label", "zh": "星期"},
    "h_hour": {"en": "hour", "zh": "时段"},
    "h_appointments": {"en": "appointments", "zh": "预约到店（台/周）"},
    "h_walk_ins": {"en": "walk_ins", "zh": "直接到店（台/周）"},
    "h_appointment_slots": {"en": "appointment_slots", "zh": "可约名额（台/周）"},
    "h_walk_in_reserve": {"en": "walk_in_reserve", "zh": "留给直接到店（台/周）"},
    "lw_frequency": {"en": "return visits", "zh": "回厂频次"},
    "lw_schedule": {"en": "keeping to the schedule", "zh": "按时保养"},
    "lw_spend": {"en": "customer-pay spend", "zh": "自费消费"},
    "lw_appointment": {"en": "coming by appointment", "zh": "预约到店"},
    "lw_insurance": {"en": "insurance renewed here", "zh": "在店续保"},
    "lw_csi": {"en": "satisfaction", "zh": "满意度"},
    "lw_no_bad": {"en": "no bad experience left", "zh": "无未解决的不良体验"},
    "uf_appointment_use": {"en": "appointment use", "zh": "预约使用"},
    "uf_csi": {"en": "satisfaction", "zh": "满意度"},
    "uf_insurance_renewal": {"en": "insurance renewal", "zh": "续保"},
    "uf_late_delivery": {"en": "late delivery", "zh": "交车延误"},
    "uf_long_wait": {"en": "long waits", "zh": "等待时长"},
    "uf_mileage_rate": {"en": "mileage per year", "zh": "年行驶里程"},
    "uf_price_vs_peers": {"en": "price against peers", "zh": "价格对比"},
    "uf_warranty": {"en": "warranty status", "zh": "保修状态"},
    "lo_unavailable": {"en": "Left out: {what}", "zh": "未使用：{what}"},
    "lo_tier": {"en": "Tier", "zh": "层级"},
    "lo_customers": {"en": "Customers", "zh": "客户数"},
    "lo_share": {"en": "Share", "zh": "占比"},
    "lo_revenue_share": {"en": "Revenue share", "zh": "产值占比"},
    "lo_mean_score": {"en": "Mean score", "zh": "平均分"},
    "ch_title": {
        "en": "Churn as of {date}: {n} customers scored",
        "zh": "截至 {date} 的流失分析：{n} 位客户",
    },
    "ch_model": {"en": "Model", "zh": "模型"},
    "ch_margin": {
        "en": "Best model {model} against the best rule {baseline}: {difference} ROC AUC "
        "(paired bootstrap 95% interval {low} to {high}).",
        "zh": "最好的模型 {model} 对比最好的规则 {baseline}：ROC AUC 差 {difference}"
        "（配对自助法 95% 区间 {low} 至 {high}）。",
    },
    "ch_chosen": {"en": "Chosen model: {why}", "zh": "选用模型：{why}"},
    "ch_lists": {
        "en": "Win-back list: {n} customers, value at risk {value}; lapsing {lapsing}, lost {lost}",
        "zh": "挽回名单：{n} 位客户，风险价值 {value}；基础流失 {lapsing} 位，流失 {lost} 位",
    },
    "ch_top_drivers": {"en": "Strongest drivers: {drivers}", "zh": "主要流失因素：{drivers}"},
    "written": {"en": "Written to {path}:", "zh": "已写入 {path}："},
    "workload_no_times": {
        "en": "{share}% of the repair orders have no time of day (dates only): hour-of-week load "
        "cannot be measured. Export the open time with hours and minutes (进厂时间).",
        "zh": "{share}% 的工单没有具体时刻（只有日期），无法按小时分析负荷。请导出带时分的进厂时间。",
    },
    "workload_too_little": {
        "en": "Only {n} usable repair orders in the period: too few to model the workshop. "
        "Choose a longer period (--from/--to).",
        "zh": "该期间只有 {n} 张可用工单，不足以建立车间模型。请选择更长的期间（--from/--to）。",
    },
    "workload_no_roster": {
        "en": "No technicians in the repair orders of the last 8 weeks: give the workshop size "
        "as technicians = N under [workload] in the config (fours workload: --technicians N).",
        "zh": "最近 8 周的工单中没有维修技师信息：请在配置文件 [workload] 中写 technicians = N"
        "（fours workload 可用 --technicians N）指定技师人数。",
    },
    "workload_nobody_on_shift": {
        "en": "No technician is on shift in some opening hours: check the opening hours or "
        "give technicians = N under [workload] in the config (fours workload: --technicians N).",
        "zh": "部分营业时段没有技师在岗：请检查营业时间，或在配置文件 [workload] 中写 technicians = N"
        "（fours workload 可用 --technicians N）指定技师人数。",
    },
    # ---- workload
    "wd_0": {"en": "Mon", "zh": "周一"},
    "wd_1": {"en": "Tue", "zh": "周二"},
    "wd_2": {"en": "Wed", "zh": "周三"},
    "wd_3": {"en": "Thu", "zh": "周四"},
    "wd_4": {"en": "Fri", "zh": "周五"},
    "wd_5": {"en": "Sat", "zh": "周六"},
    "wd_6": {"en": "Sun", "zh": "周日"},
    "hm_arrivals": {"en": "Arrivals per hour (vehicles a week)", "zh": "每小时进厂台次（周均）"},
    "hm_utilisation": {"en": "Technician utilisation", "zh": "技师利用率"},
    "hm_wait_before": {"en": "Modelled wait, hours (today)", "zh": "模拟等待时间（小时，现状）"},
    "hm_wait_after": {
        "en": "Modelled wait, hours (with the appointment plan)",
        "zh": "模拟等待时间（小时，预约方案后）",
    },
    "sf_technicians_now": {"en": "on the roster", "zh": "现有技师"},
    "sf_needed_today": {"en": "needed today", "zh": "当前所需"},
    "sf_needed_with_growth": {"en": "needed with growth", "zh": "增长后所需"},
    "sf_technicians": {"en": "technicians", "zh": "技师人数"},
    "sf_title": {
        "en": "Technicians needed per hour for the wait target",
        "zh": "满足等待目标所需技师（按小时）",
    },
    "wl_title": {
        "en": "Workshop, {period}: {arrivals:.0f} arrivals a week, {techs:.1f} technicians, service {service:.2f} h (CV {cv:.2f})",
        "zh": "车间（{period}）：每周进厂 {arrivals:.0f} 台，技师 {techs:.1f} 人，平均工时 {service:.2f} 小时（变异系数 {cv:.2f}）",
    },
    "wl_worst": {
        "en": "Worst hours today and with the plan:",
        "zh": "最拥堵的时段（现状与预约方案后）：",
    },
    "wl_hour": {
        "en": "{day} {hour}:00  wait {before:.0f} min -> {after:.0f} min, waiting over {target:.0f} min {share_b:.0f}% -> {share_a:.0f}%",
        "zh": "{day} {hour}:00  等待 {before:.0f} 分钟 → {after:.0f} 分钟，超过 {target:.0f} 分钟的比例 {share_b:.0f}% → {share_a:.0f}%",
    },
    "wl_plan": {
        "en": "Appointment plan: move {moved:.0f} of {arrivals:.0f} weekly arrivals; waiting over {target:.0f} min {before:.1f}% -> {after:.1f}% of customers, mean wait {wb:.0f} -> {wa:.0f} min, overtime {ob:.1f} -> {oa:.1f} h a week",
        "zh": "预约方案：每周 {arrivals:.0f} 台中调整 {moved:.0f} 台；等待超过 {target:.0f} 分钟的客户 {before:.1f}% → {after:.1f}%，平均等待 {wb:.0f} → {wa:.0f} 分钟，超时作业 {ob:.1f} → {oa:.1f} 小时/周",
    },
    "wl_staff": {
        "en": "Staffing, technicians at the peak: {now} now, {today} needed for the wait target, {grown} with {growth:.0f}% growth, {with_plan} with that growth after the appointment plan; output per head {oph:,.0f}/month",
        "zh": "人员配置：现有技师峰值 {now} 人，满足等待目标峰值需 {today} 人，增长 {growth:.0f}% 后需 {grown} 人，先执行预约方案则需 {with_plan} 人；人均产值 {oph:,.0f}/月",
    },
    "rp_worse_hour": {
        "en": "{day} {hour}:00 from {before} to {after} minutes",
        "zh": "{day} {hour}:00 由 {before} 分钟升至 {after} 分钟",
    },
    "rp_plan_worse": {
        "en": "The plan makes some hours wait longer than the {target}-minute target: {hours}. "
        "Keep bookings out of them or put a technician there.",
        "zh": "预约方案会使部分时段等待超过 {target} 分钟目标：{hours}。预约时避开这些时段或增派技师。",
    },
    "wl_overnight": {
        "en": "About {n} cars a week wait overnight for their work to start: counted apart, "
        "not as waiting (waits are in open hours).",
        "zh": "每周约 {n} 台车过夜后才开工：单独统计，不计入等待时间（等待按营业时间计算）。",
    },
    "wl_note_covered": {
        "en": "The exports cover {start} to {end} of the period: per-week figures are over "
        "those {weeks} weeks.",
        "zh": "数据只覆盖本期的 {start} 至 {end}：每周数字按这 {weeks} 周计算。",
    },
    "wl_excluded": {"en": "Left out: {what}", "zh": "未计入：{what}"},
    "wx_body_and_paint": {"en": "body and paint ROs", "zh": "钣喷工单"},
    "wx_no_time_of_day": {"en": "ROs without a time of day", "zh": "无进厂时刻的工单"},
    "wx_completed_before_opened": {"en": "ROs completed before opened", "zh": "竣工早于进厂的工单"},
    "wx_stay_too_long": {"en": "stays too long to be waiting", "zh": "在厂过久（非等待）的工单"},
    "k_intake": {"en": "intake (ROs opened)", "zh": "进厂台次"},
    "k_revenue": {"en": "revenue", "zh": "产值"},
    "k_labor_revenue": {"en": "labour revenue", "zh": "工时产值"},
    "k_parts_revenue": {"en": "parts revenue", "zh": "配件产值"},
    "k_revenue_per_ro": {"en": "revenue per RO", "zh": "单车产值"},
    "k_output_per_head": {"en": "output per head a month", "zh": "人均月产值"},
    "k_appointment_rate": {"en": "appointment rate", "zh": "预约率"},
    "k_no_show_rate": {"en": "no-show rate", "zh": "爽约率"},
    "k_comeback_rate": {"en": "comeback rate", "zh": "返修率"},
    "k_first_time_fix_rate": {"en": "first-time fix rate", "zh": "一次修复率"},
    "k_on_time_delivery_rate": {"en": "on-time delivery", "zh": "交车准时率"},
    "k_renewal_rate": {"en": "insurance renewal rate", "zh": "续保率"},
    "k_retention_rate": {"en": "retention", "zh": "客户保持率"},
    "k_churn_rate": {"en": "churn", "zh": "客户流失率"},
    "k_active_base": {"en": "active customers", "zh": "保有客户"},
    "k_csi_mean": {"en": "CSI (mean)", "zh": "满意度（均值）"},
    "k_csi_top_box": {"en": "CSI top box", "zh": "满意度（满分占比）"},
    "k_mean_turnaround_hours": {"en": "turnaround (hours)", "zh": "平均周转时间（小时）"},
    "k_labor_hours_per_ro": {"en": "labour hours per RO", "zh": "单车工时"},
    "k_effective_labor_rate": {"en": "effective labour rate", "zh": "有效工时单价"},
    "k_technician_efficiency": {
        "en": "technician efficiency (hours sold / clocked)",
        "zh": "技师效率（结算工时/实际工时）",
    },
    "k_gross_profit": {"en": "gross profit", "zh": "毛利"},
    "k_gross_margin": {"en": "gross margin", "zh": "毛利率"},
    "k_parts_margin": {"en": "parts margin", "zh": "配件毛利率"},
    "k_first_service_rate": {"en": "first-service rate", "zh": "首保率"},
    "kpi_title": {"en": "KPIs, {period}", "zh": "{period}关键指标"},
    "kpi_title_vs": {
        "en": "KPIs, {period} against {compared}",
        "zh": "{period}关键指标（对比{compared}）",
    },
    "kpi_name": {"en": "KPI", "zh": "指标"},
    "kpi_value": {"en": "Value", "zh": "数值"},
    "kpi_compared": {"en": "Compared", "zh": "对比期"},
    "kpi_change": {"en": "Change", "zh": "变化"},
    "kpi_target": {"en": "Target", "zh": "目标"},
    "kpi_of_target": {"en": "Of target", "zh": "达成率"},
    "kpi_na": {"en": "Not available because", "zh": "无法计算的原因"},
    # ---- year-end report
    "rp_title": {
        "en": "{store} Aftersales {year}: the year in review",
        "zh": "{store}售后服务部 {year} 年度工作总结",
    },
    "rp_subtitle": {"en": "Review, experience, plans", "zh": "情况回顾 · 经验体会 · 今后打算"},
    "rp_presenter": {"en": "Presented by {name}", "zh": "汇报人：{name}"},
    "rp_closing": {"en": "Targets for {year}", "zh": "{year} 年工作目标"},
    "rp_closing_line": {
        "en": "{n}. {kpi}: {value} (this year {now})",
        "zh": "{n}. {kpi}：{value}（今年 {now}）",
    },
    "rp_source": {"en": "Source: {source}", "zh": "来源：{source}"},
    "rp_figures": {"en": "Figures: {figures}", "zh": "数据：{figures}"},
    "src_kpi": {"en": "the KPIs (fours kpi)", "zh": "关键指标（fours kpi）"},
    "src_kpi.breakdown": {"en": "the KPIs month by month", "zh": "月度指标"},
    "src_kpi.breakdown.ro_type": {"en": "the KPIs by RO type", "zh": "按维修类型的指标"},
    "src_kpi.breakdown.technician": {"en": "the KPIs by technician", "zh": "按技师的指标"},
    "src_kpi.breakdown.advisor": {"en": "the KPIs by advisor", "zh": "按服务顾问的指标"},
    "src_kpi.breakdown.store": {"en": "the KPIs by store", "zh": "按门店的指标"},
    "src_kpi.coverage": {"en": "the span the exports cover", "zh": "数据覆盖范围"},
    "src_kpi.renewal_rate": {"en": "renewal rate and policies", "zh": "续保率与保单数据"},
    "src_churn": {"en": "churn analysis (fours churn)", "zh": "流失分析（fours churn）"},
    "src_churn.backtest": {"en": "the churn models' backtest", "zh": "流失模型回测"},
    "src_churn.drivers": {"en": "churn drivers", "zh": "流失因素分析"},
    "src_churn.winback": {"en": "the win-back list", "zh": "挽回名单"},
    "src_lists": {"en": "the call lists", "zh": "招揽名单"},
    "src_churn.notes": {"en": "what the churn analysis could do", "zh": "流失分析说明"},
    "src_loyalty": {"en": "loyalty tiers (fours loyalty)", "zh": "忠诚度分层（fours loyalty）"},
    "src_workload": {
        "en": "workshop load model (fours workload)",
        "zh": "车间负荷模型（fours workload）",
    },
    "src_workload.plan": {"en": "the appointment plan", "zh": "预约方案"},
    "src_workload.staffing": {"en": "staffing", "zh": "人员配置"},
    "src_pipeline": {"en": "what was not analysed", "zh": "未完成的分析"},
    "rp_part_review": {"en": "Review", "zh": "情况回顾"},
    "rp_part_experience": {"en": "Experience", "zh": "经验体会"},
    "rp_part_plans": {"en": "Plans", "zh": "今后打算"},
    "rp_sec_brief": {"en": "The year in brief", "zh": "全年概况"},
    "rp_sec_kpis": {"en": "Targets and results", "zh": "指标完成情况"},
    "rp_sec_months": {"en": "Month by month", "zh": "月度走势"},
    "rp_sec_findings": {"en": "What worked and what did not", "zh": "成绩与问题"},
    "rp_sec_actions": {"en": "What we will do", "zh": "重点工作"},
    "rp_sec_targets": {"en": "Next year's targets", "zh": "明年目标"},
    "rp_brief": {
        "en": "{kpi}: {value} ({change} on last year).",
        "zh": "{kpi}：{value}（同比 {change}）。",
    },
    "rp_month": {"en": "{m}", "zh": "{m}月"},
    "rp_chart_intake": {"en": "ROs opened per month", "zh": "月度进厂台次"},
    "rp_chart_revenue": {"en": "Revenue per month", "zh": "月度产值"},
    "rp_months_claim": {
        "en": "Intake month by month, {year} against the year before.",
        "zh": "{year} 年与上年逐月进厂台次对比。",
    },
    "rp_months_revenue": {
        "en": "Revenue month by month, {year} against the year before.",
        "zh": "{year} 年与上年逐月产值对比。",
    },
    "rp_months_claim_alone": {
        "en": "Intake month by month in {year} (no earlier year in the exports).",
        "zh": "{year} 年逐月进厂台次（导出数据中没有上年可比）。",
    },
    "rp_months_revenue_alone": {
        "en": "Revenue month by month in {year} (no earlier year in the exports).",
        "zh": "{year} 年逐月产值（导出数据中没有上年可比）。",
    },
    "rp_move_up": {
        "en": "{kpi} improved to {value} (last year {before}, {change}).",
        "zh": "{kpi}改善为 {value}（上年 {before}，{change}）。",
    },
    "rp_move_down": {
        "en": "{kpi} worsened to {value} (last year {before}, {change}): a problem to fix.",
        "zh": "{kpi}变差为 {value}（上年 {before}，{change}），需要改进。",
    },
    "rp_benchmark_gap": {
        "en": "{kpi} {value}, {gap} points short of the trade's {benchmark}: about {count} ROs "
        "a year not delivered on time.",
        "zh": "{kpi} {value}，离行业标杆 {benchmark} 还差 {gap} 个百分点：全年约 {count} 台次未按时交车。",
    },
    "rp_loyal": {
        "en": "Core loyal customers are {share} of customers and bring {revenue} of revenue: serve them first.",
        "zh": "核心忠诚客户占客户数 {share}，贡献产值 {revenue}，应优先服务。",
    },
    "rp_driver": {
        "en": "What loses the most customers: {factor} ({with_} of them left against {without} of the others; odds of leaving x{odds}).",
        "zh": "流失客户最多的原因：{factor}（这类客户流失率 {with_}，其他客户 {without}；流失优势比 {odds} 倍）。",
    },
    "rp_peak": {
        "en": "Peak hours overload the workshop: {day} {hour}:00 waits {wait} minutes on average and {share} of customers wait over the target; the appointment plan would cut the mean wait from {before} to {after} minutes.",
        "zh": "高峰时段车间超负荷：{day} {hour}:00 平均等待 {wait} 分钟，{share} 的客户等待超过目标时间；按预约方案平均等待可由 {before} 分钟降至 {after} 分钟。",
    },
    "rp_plan_appointments": {
        "en": "Level the peaks with the appointment plan: move {moved} visits a week out of the peaks; customers waiting over the target {before} -> {after}.",
        "zh": "用预约方案削峰填谷：每周将 {moved} 台次调出高峰；等待超时客户比例 {before} → {after}。",
    },
    "rp_plan_staffing": {
        "en": "Staffing, technicians at the peak: {now} today; with the appointment plan, next "
        "year's growth needs {with_plan} (without the plan {needed}).",
        "zh": "人员配置：目前高峰技师 {now} 人；先执行预约方案，按明年增长高峰需 {with_plan} 人"
        "（不执行方案需 {needed} 人）。",
    },
    "cm_bgnbd": {"en": "BG/NBD model", "zh": "BG/NBD 模型"},
    "cm_schedule": {"en": "service-schedule model", "zh": "保养周期模型"},
    "cm_supervised": {"en": "machine-learning model", "zh": "机器学习模型"},
    "cm_baseline_recency": {"en": "rule: days since the last visit", "zh": "规则：距上次到店天数"},
    "cm_baseline_overdue_ratio": {
        "en": "rule: days since the last visit / personal interval",
        "zh": "规则：距上次到店天数 / 个人保养间隔",
    },
    "cm_baseline_frequency": {"en": "rule: fewer visits", "zh": "规则：到店次数少"},
    "rp_backtest_model": {"en": "Scorer", "zh": "评分方法"},
    "rp_backtest_auc": {"en": "ROC AUC (95% interval)", "zh": "ROC AUC（95% 区间）"},
    "rp_backtest_used": {"en": "used", "zh": "采用"},
    "rp_plan_backtest": {
        "en": "The list is ranked by the {model}: tested on the {days} days after {cutoff}, "
        "it ranks who left at ROC AUC {auc}; the best plain rule ({baseline}) {base_auc}, a lead "
        "of {difference} ({low} to {high}, paired bootstrap).",
        "zh": "名单按{model}排序：以 {cutoff} 之后 {days} 天回测，识别流失客户的 ROC AUC 为 {auc}；"
        "最好的简单规则（{baseline}）为 {base_auc}，领先 {difference}（配对自助法区间 {low} 至 {high}）。",
    },
    "rp_plan_backtest_rule": {
        "en": "The list is ranked by the {model}: no model ranked who left better in the test "
        "on the {days} days after {cutoff} (ROC AUC {auc}).",
        "zh": "名单按{model}排序：以 {cutoff} 之后 {days} 天回测，没有模型比它更能识别流失客户"
        "（ROC AUC {auc}）。",
    },
    "rp_plan_service_due": {
        "en": "Service reminders: {n} customers fall due within {weeks} weeks or lately "
        "overdue (about {per_week} a week); book them into the quiet hours of the plan.",
        "zh": "保养招揽：{n} 位客户的保养在 {weeks} 周内到期或近期逾期（每周约 {per_week} 台），"
        "按预约计划排进空闲时段。",
    },
    "rp_plan_service_slots": {
        "en": "Service reminders: {n} customers due within {weeks} weeks or lately overdue "
        "(about {per_week} a week); the quiet hours take about {spare} more a week, and {slotted} "
        "calls have a suggested slot.",
        "zh": "保养招揽：{n} 位客户 {weeks} 周内到期或近期逾期（每周约 {per_week} 台）；空闲时段"
        "每周可多接约 {spare} 台，已为 {slotted} 位排出建议时段。",
    },
    "rp_plan_renewal_due": {
        "en": "Renewal reminders: {n} policies end within {days} days; at past renewal rates "
        "about {expected} renew here. Call each one in its band (30/60/90 days).",
        "zh": "续保提醒：{n} 张保单 {days} 天内到期，按以往续保率约 {expected} 张会在本店续保；"
        "按 30/60/90 天分档逐张回访。",
    },
    "rp_lookback_service": {
        "en": "Service reminders, looking back: of the {due} services that fell due from "
        "{start} to {end}, {back} ({share}) came back within {grace} days of the due day; "
        "{late} came later and {not_back} have not come back.",
        "zh": "保养招揽回顾：{start} 至 {end} 到期的 {due} 次保养中，{back} 次（{share}）在到期后 "
        "{grace} 天内回店，{late} 次更晚才回，{not_back} 次至今未回。",
    },
    "rp_lookback_service_note": {
        "en": "Due day: the last service plus the customer's own service interval, the rule "
        "of the service-due list; the last {grace} days before the year end are left out "
        "because their outcome is not known yet.",
        "zh": "到期日：上次保养日加客户本人的保养间隔，与保养招揽名单的规则相同；到期日在年末前"
        "宽限期内的保养结果未知，未计入。",
    },
    "rp_lookback_renewal": {
        "en": "Renewals, looking back: {ended} policies ended in the year and {rate} renewed "
        "here; {split}.",
        "zh": "续保回顾：近一年到期保单 {ended} 张，在本店续保 {rate}；{split}。",
    },
    "rp_lookback_again": {
        "en": "{rate} of the {n} that renewed here the time before",
        "zh": "上次在本店续保的 {n} 张续保 {rate}",
    },
    "rp_lookback_lost_last": {
        "en": "{rate} of the {n} that renewed elsewhere the time before",
        "zh": "上次未在本店续保的 {n} 张续保 {rate}",
    },
    "rp_lookback_first": {
        "en": "{rate} of the {n} with no earlier policy here",
        "zh": "首次在本店到期的 {n} 张续保 {rate}",
    },
    "rp_plan_insure_here": {
        "en": "Serviced here, insured elsewhere: {n} active customers have no current policy "
        "here; the renewal team's prospects.",
        "zh": "在修不在保：{n} 位活跃客户在本店没有有效保单，交续保团队跟进。",
    },
    "rp_plan_first_service": {
        "en": "First service: {lost} new cars sold here missed it (首保流失) and {due} are due; "
        "call each one.",
        "zh": "首保：{lost} 台本店售出的新车未做首保（首保流失），{due} 台首保即将到期，逐台回访。",
    },
    "rp_plan_declined": {
        "en": "Declined work: {n} vehicles have recommended work not yet done; call them back, "
        "oldest first.",
        "zh": "未修项目：{n} 台车的建议维修项目尚未处理，按时间先后回访。",
    },
    "rp_plan_winback": {
        "en": "Win back {n} customers at risk (value at risk {value}) with the call list.",
        "zh": "按挽回名单回访 {n} 位风险客户（风险价值 {value}）。",
    },
    "rp_reason": {"en": "Reasoning", "zh": "依据"},
    "rp_why_rate": {"en": "five points better than this year", "zh": "在今年基础上提高 5 个百分点"},
    "rp_why_trend": {
        "en": "this year's growth ({growth}, capped at 20%)",
        "zh": "按今年增速（{growth}，上限 20%）",
    },
    "rt_first_service": {"en": "first service", "zh": "首保"},
    "rt_maintenance": {"en": "maintenance", "zh": "定保"},
    "rt_repair": {"en": "repair", "zh": "一般维修"},
    "rt_accident": {"en": "accident", "zh": "事故车"},
    "rt_body_paint": {"en": "body & paint", "zh": "钣喷"},
    "rt_warranty": {"en": "warranty", "zh": "保修索赔"},
    "rt_internal": {"en": "internal", "zh": "内部"},
    "rt_wash": {"en": "wash", "zh": "洗车美容"},
    "rt_other": {"en": "other", "zh": "其他"},
    "rt_nan": {"en": "(no type)", "zh": "（无类型）"},
    "rp_ro_type": {"en": "RO type", "zh": "维修类型"},
    "rp_share": {"en": "Share", "zh": "占比"},
    "rp_sec_types": {"en": "Revenue by RO type", "zh": "按维修类型的产值"},
    "rp_types_claim": {
        "en": "{type} brings the largest part of revenue: {share}.",
        "zh": "{type}是最大的产值来源，占 {share}。",
    },
    "rp_chart_types": {"en": "Revenue by RO type", "zh": "各维修类型产值"},
    "k_settled_ros": {"en": "ROs settled", "zh": "结算台次"},
    "kpi_previous": {"en": "Previous", "zh": "上期"},
    "kpi_change_prev": {"en": "vs previous", "zh": "环比"},
    "kpi_visits": {"en": "Visits", "zh": "到店次数"},
    "kpi_customers": {"en": "Customers", "zh": "客户数"},
    "kpi_step": {"en": "Step", "zh": "阶段"},
    "kpi_eligible": {"en": "Cars old enough", "zh": "够车龄车辆"},
    "kpi_reached": {"en": "Reached", "zh": "达到"},
    "rp_kpis_left_out": {
        "en": "Not in the table, the exports lack what they need: {kpis}.",
        "zh": "以下指标因导出中缺少所需数据未列入表中：{kpis}。",
    },
    "pt_customer": {"en": "customer pay", "zh": "客户自费"},
    "pt_warranty": {"en": "warranty", "zh": "索赔"},
    "pt_insurance": {"en": "insurance", "zh": "保险"},
    "pt_internal": {"en": "internal", "zh": "内部"},
    "rp_pay_type": {"en": "Pay type", "zh": "结算方式"},
    "rp_sec_pay": {"en": "Revenue by pay type", "zh": "按结算方式的产值"},
    "rp_pay_claim": {
        "en": "{type} pays the largest part of revenue: {share}.",
        "zh": "{type}是最大的结算来源，占产值 {share}。",
    },
    "rp_pay_note": {
        "en": "An RO with several pay types counts once; its money is split evenly between "
        "them (the export has no pay type per line). Internal ROs are shown, not revenue.",
        "zh": "一张工单有多种结算方式时只计一次，金额在各方式间平分（导出中没有逐行结算方式）。"
        "内部工单列出但不计产值。",
    },
    "rp_sec_frequency": {"en": "How often customers come", "zh": "客户到店频次"},
    "rp_frequency_claim": {
        "en": "Of {n} active customers, {once} came only once in the last 12 months.",
        "zh": "{n} 位保有客户中，{once} 近 12 个月只来过一次。",
    },
    "rp_frequency_claim_short": {
        "en": "The exports cover only {months} of these 12 months: of {n} active customers, "
        "{once} came only once in them.",
        "zh": "导出数据只覆盖这 12 个月中的 {months} 个月：{n} 位保有客户中，{once} 在这段时间只来过一次。",
    },
    "rp_chart_frequency": {
        "en": "Active customers by visits in 12 months",
        "zh": "保有客户近 12 个月到店次数分布",
    },
    "rp_visits_bucket": {"en": "{n} visits", "zh": "{n} 次"},
    "rp_visits_bucket_1": {"en": "1 visit", "zh": "1 次"},
    "rp_share_of_base": {"en": "share of active customers", "zh": "占保有客户"},
    "rp_sec_ladder": {"en": "New cars: first service and after", "zh": "新车首保与后续保养"},
    "rp_ladder_claim": {
        "en": "Of the new cars sold: {steps}.",
        "zh": "本店售出的新车：{steps}。",
    },
    "rp_ladder_first_service": {"en": "first service", "zh": "首保"},
    "rp_ladder_second_service": {"en": "second service", "zh": "二保"},
    "rp_ladder_third_service": {"en": "third service", "zh": "三保"},
    "rp_ladder_after_warranty": {"en": "after warranty", "zh": "保修期后"},
    "rp_chart_ladder": {"en": "Retention ladder", "zh": "保养留存阶梯"},
    "rp_share_of_sold": {"en": "share of cars sold", "zh": "占售出新车"},
    "rp_ladder_note": {
        "en": "From {source}. Each step counts the cars old enough to have reached it: {eligible}. "
        "A published 100-store sample: 94 % → 63 % → 42 % → 31 %.",
        "zh": "数据来自{source}。每一级只计够车龄的车辆：{eligible}。"
        "公开的 100 家店样本：94% → 63% → 42% → 31%。",
    },
    "rp_ladder_missing": {
        "en": "Not yet measurable (no car old enough): {steps}.",
        "zh": "尚无够车龄的车辆，未计：{steps}。",
    },
    "rp_ladder_source_vehicle_sales": {"en": "the vehicle sales export", "zh": "新车销售导出"},
    "rp_ladder_source_repair_orders": {
        "en": "the sale dates on the repair orders (cars first seen after their sale)",
        "zh": "工单上的购车日期（售后首次进厂的车辆）",
    },
    "src_kpi.pay_mix": {"en": "the pay-type mix", "zh": "结算方式构成"},
    "src_kpi.visit_frequency": {"en": "visit frequency", "zh": "到店频次"},
    "src_kpi.retention_ladder": {"en": "the retention ladder", "zh": "保养留存阶梯"},
    "rp_chart_tiers": {
        "en": "Customers and revenue by loyalty tier",
        "zh": "各忠诚度等级的客户与产值占比",
    },
    "rp_customers_share": {"en": "share of customers", "zh": "客户占比"},
    "rp_revenue_share": {"en": "share of revenue", "zh": "产值占比"},
    "rp_factor": {"en": "Factor", "zh": "因素"},
    "rp_odds": {"en": "Odds ratio", "zh": "优势比"},
    "rp_churn_with": {"en": "Lost, with", "zh": "流失率（有）"},
    "rp_churn_without": {"en": "Lost, without", "zh": "流失率（无）"},
    "rp_chart_waits": {
        "en": "Mean wait by hour of the day (minutes)",
        "zh": "各时段平均等待（分钟）",
    },
    "rp_wait_now": {"en": "today", "zh": "现状"},
    "rp_wait_plan": {"en": "with the appointment plan", "zh": "预约方案后"},
    "rp_technician": {"en": "Technician", "zh": "技师"},
    "rp_tech_comebacks": {
        "en": "Comebacks concentrate on technician {name}: {rate} of the ROs against {overall} for the workshop.",
        "zh": "返修集中在技师 {name}：返修率 {rate}，全车间 {overall}。",
    },
    "rp_tech_output": {
        "en": "Technician {name} stands out for output: {revenue} of revenue, {ratio} times the average technician.",
        "zh": "技师 {name} 产值突出：{revenue}，是技师平均水平的 {ratio} 倍。",
    },
    "rp_chart_output": {"en": "Revenue by technician (top 10)", "zh": "技师产值（前 10 名）"},
    "rp_plan_renewal": {
        "en": "Insurance renewal: {rate} this year; {n} policies end next year. Call each holder from 90 days before expiry; at {goal} that is {more} more renewals.",
        "zh": "续保：今年续保率 {rate}；明年到期保单 {n} 张。到期前 90 天起逐一跟进；续保率达到 {goal} 可多续保 {more} 张。",
    },
    "rp_plan_training": {
        "en": "Training where comebacks concentrate: {n} comebacks this year, {share} of them in {type}; start with technician {who}.",
        "zh": "针对返修集中处培训：今年返修 {n} 台次，其中 {share} 为{type}；从技师 {who} 开始。",
    },
    "rp_why_plan": {
        "en": "the appointment plan books {moved} of {arrivals} visits a week",
        "zh": "预约方案每周预约 {moved} / {arrivals} 台次",
    },
    "rp_why_flat": {
        "en": "held at this year's level: no earlier year to take a trend from",
        "zh": "无上年数据可算增速，按今年水平持平",
    },
    "rp_why_best_month": {
        "en": "{rule}, capped at the store's best month so far ({best})",
        "zh": "{rule}，以本店历史最好月份（{best}）为上限",
    },
    "rp_why_benchmark": {
        "en": "five points towards the trade's benchmark of {benchmark}",
        "zh": "向行业标杆 {benchmark} 提高 5 个百分点",
    },
    "rp_why_comebacks": {
        "en": "a third fewer comebacks after the training",
        "zh": "培训后返修减少三分之一",
    },
    "gr_title": {
        "en": "{group} Aftersales {year}: the stores compared",
        "zh": "{group}集团售后 {year} 年度总结（各店对比）",
    },
    "gr_best_worst": {
        "en": " (the best and the worst ten stores)",
        "zh": "（最好与最弱的各 10 家门店）",
    },
    "gr_store": {"en": "Store", "zh": "门店"},
    "gr_sec_compare": {"en": "The stores side by side", "zh": "各店指标对比"},
    "gr_stores_claim": {
        "en": "Revenue of the {n} stores, this year against last year.",
        "zh": "{n} 家门店今年与上年产值对比。",
    },
    "gr_chart_revenue": {"en": "Revenue by store", "zh": "各店产值"},
    "gr_spread": {
        "en": "{kpi}: {best} leads with {best_value}, {worst} trails with {worst_value}.",
        "zh": "{kpi}：{best}最好（{best_value}），{worst}最弱（{worst_value}）。",
    },
    "gr_winback": {"en": "Win-back list", "zh": "挽回名单"},
    "gr_value_at_risk": {"en": "Value at risk", "zh": "风险价值"},
    "gr_tech_now": {"en": "Technicians at the peak", "zh": "高峰技师"},
    "gr_tech_needed": {"en": "Needed next year", "zh": "明年需要"},
    "gr_waiting": {
        "en": "Waiting over target: now -> with plan",
        "zh": "等待超时比例：现状 → 预约方案后",
    },
    "run_locked": {
        "en": "{path} is in use by another run (PID {pid}, started {started}); wait for it to finish, or stop it",
        "zh": "{path} 正被另一个运行占用（进程 {pid}，开始于 {started}）；请等待其结束或停止它",
    },
    "run_lock_recovered": {
        "en": "recovered the lock left by a run that died (PID {pid}, started {started})",
        "zh": "已回收异常退出的运行留下的锁（进程 {pid}，开始于 {started}）",
    },
    "run_leftover": {
        "en": "removed {path}, left by a run that died",
        "zh": "已删除异常退出的运行留下的 {path}",
    },
    "run_out_unusable": {
        "en": "cannot write packs into {path}: {reason}; choose another --out or fix its permissions and free space",
        "zh": "无法在 {path} 写入结果包：{reason}；请换一个 --out，或检查权限与磁盘空间",
    },
    "run_no_data": {
        "en": "No exports found in {path}; set --data (or [run] data in the config) to the folder the DMS exports are in.",
        "zh": "在 {path} 中没有找到导出文件；请用 --data（或配置文件 [run] data）指定 DMS 导出文件所在文件夹。",
    },
    "run_empty_period": {
        "en": "{path}: no repair orders in the period {period} (the exports run from {first} to {last}); check --period, or that the latest exports are in the data folder",
        "zh": "{path}：期间 {period} 内没有维修工单（导出数据范围 {first} 至 {last}）；请检查 --period，或确认最新导出文件已放入数据文件夹",
    },
    "run_no_repair_orders": {
        "en": "{path}: no repair orders with an open date, so none in the period {period}; check that the data folder holds the RO export (工单) with its 进厂时间 column filled",
        "zh": "{path}：没有带进厂时间的维修工单，期间 {period} 内自然也没有；请确认数据文件夹里有工单导出文件且进厂时间已填写",
    },
    "run_store": {"en": "store {store}", "zh": "门店 {store}"},
    "run_step": {"en": "step {step} ...", "zh": "步骤 {step} ……"},
    "run_step_failed": {"en": "step {step} failed: {reason}", "zh": "步骤 {step} 失败：{reason}"},
    "run_beside_lost": {
        "en": "The process running the kpi and workload steps beside the run failed ({reason}): "
        "they ran in the run's own process instead.",
        "zh": "并行运行 kpi 与 workload 步骤的子进程失败（{reason}），已改在主进程中运行。",
    },
    "run_store_failed": {
        "en": "Store {store} did not finish ({reason}); its figures are not in this report.",
        "zh": "门店 {store} 未完成（{reason}），本报告不含其数据。",
    },
    "run_progress": {
        "en": "stores {done}/{total}: {store} {status} in {seconds} s; about {eta} left",
        "zh": "门店 {done}/{total}：{store} {status}，用时 {seconds} 秒；预计还需 {eta}",
    },
    "run_store_ok": {"en": "done", "zh": "完成"},
    "run_store_bad": {"en": "FAILED", "zh": "失败"},
    "run_cluster": {
        "en": "{n} stores on {workers} Dask workers ({where})",
        "zh": "{n} 家门店，{workers} 个 Dask 工作进程（{where}）",
    },
    "run_no_scheduler": {
        "en": "cannot reach the Dask scheduler at {address} ({reason}); check the address, "
        "or run without --scheduler",
        "zh": "无法连接 Dask 调度器 {address}（{reason}）；请检查地址，或不用 --scheduler 运行",
    },
    "run_banner": {
        "en": "Data quality warning: rejected rows above {limit} in {tables}; check rejects.csv before relying on these figures.",
        "zh": "数据质量警告：{tables} 的拒收行比例超过 {limit}；使用这些数字前请先检查 rejects.csv。",
    },
    "run_done": {
        "en": "pack written: {path} (exit code {code})",
        "zh": "结果包已写入：{path}（退出码 {code}）",
    },
    "run_pruned": {"en": "removed {n} old pack(s)", "zh": "已删除 {n} 个旧结果包"},
    "run_dry": {"en": "Dry run: nothing is written.", "zh": "试运行：不写入任何文件。"},
    "init_written": {
        "en": "Wrote {path}: edit it, then run `fours run --config {path}`.",
        "zh": "已写入 {path}：修改后运行 `fours run --config {path}`。",
    },
    "init_exists": {
        "en": "{path} exists; use --force to overwrite it",
        "zh": "{path} 已存在；如需覆盖请加 --force",
    },
    "report_written": {"en": "Report written to {path}:", "zh": "年度报告已写入 {path}："},
    # ---- row-level reasons (rejects and warnings)
    "r_missing": {"en": "missing value", "zh": "缺少值"},
    "r_before_open": {
        "en": "before the RO was opened (a negative duration): '{value}'",
        "zh": "早于进厂时间（时长为负）：“{value}”",
    },
    "r_bad_date": {"en": "not a date: '{value}'", "zh": "不是日期：“{value}”"},
    "r_date_range": {"en": "date out of range: '{value}'", "zh": "日期超出范围：“{value}”"},
    "r_bad_number": {"en": "not a number: '{value}'", "zh": "不是数字：“{value}”"},
    "r_negative": {"en": "negative value: '{value}'", "zh": "负值：“{value}”"},
    "r_bad_bool": {"en": "not yes/no: '{value}'", "zh": "不是是/否：“{value}”"},
    "r_bad_phone": {"en": "not a phone number: '{value}'", "zh": "不是电话号码：“{value}”"},
    "r_spoiled_phone": {
        "en": "phone spoiled by Excel into scientific notation: '{value}'",
        "zh": "电话号码被 Excel 改成了科学计数法：“{value}”",
    },
    "r_bad_vin": {"en": "not a 17-character VIN: '{value}'", "zh": "不是 17 位 VIN：“{value}”"},
    "r_bad_category": {"en": "unknown category: '{value}'", "zh": "未知类别：“{value}”"},
    "r_bad_score": {"en": "not a score: '{value}'", "zh": "不是评分：“{value}”"},
    "r_spoiled_id": {
        "en": "'{value}' is an id Excel turned into a number (its digits are lost); export the "
        "column as text",
        "zh": "“{value}”是被 Excel 转成科学计数法的编号（位数已丢失）；请把该列导出为文本",
    },
    "r_implausible_amount": {
        "en": "'{value}' is beyond any plausible amount (over 100,000,000)",
        "zh": "“{value}”超出合理金额范围（超过 1 亿）",
    },
    "r_score_off_scale": {
        "en": "'{value}' is outside the survey's scale",
        "zh": "“{value}”超出满意度评分量表",
    },
    "v_warning": {"en": "warning", "zh": "警告"},
    "duplicate_header": {
        "en": "{file}: {n} columns are headed '{header}'; column {column} was read (it holds "
        "{filled} values), the others ignored.",
        "zh": "{file}：有 {n} 列表头都是“{header}”；已读取第 {column} 列（有 {filled} 个值），其余忽略。",
    },
    "csi_scale_guessed": {
        "en": "{file}: the answers fit more than one survey scale; read as {scale}. Declare it "
        "([ingest] csi_scale, [ingest.csi_scales] for this file, or a 满分 column).",
        "zh": "{file}：评分同时符合多种量表，已按 {scale} 读取。请声明量表（[ingest] csi_scale、"
        "[ingest.csi_scales] 按文件设置，或增加“满分”列）。",
    },
    "csi_scale_mixed": {
        "en": "{file}: the answers mix survey scales (many of 10 or less among answers up to 100); "
        "read as {scale}. Add a 满分 column giving each answer's scale.",
        "zh": "{file}：评分混用了多种量表（满分 100 的评分中有不少在 10 分以下），已按 {scale} 读取。"
        "请增加“满分”列注明每条评分的量表。",
    },
    "r_no_unit": {
        "en": "no customer id, VIN or plate",
        "zh": "缺少客户编号、VIN 和车牌号",
    },
    "r_conflict": {
        "en": "same key as line {line} of {file} with different values in: {columns}",
        "zh": "与 {file} 第 {line} 行键值相同但以下列不同：{columns}",
    },
    "r_ragged": {
        "en": "{found} cells where the header has {expected}",
        "zh": "该行有 {found} 个单元格，表头只有 {expected} 列",
    },
    "r_formula_no_value": {
        "en": "a formula without a saved value (the file was never calculated): open it in "
        "Excel and save it, so the value is stored",
        "zh": "公式没有保存计算结果（文件从未计算过）：请用 Excel 打开并保存，使数值写入文件",
    },
    "r_excel_error": {
        "en": "an Excel error value in the cell (#N/A, #DIV/0!, #REF!...)",
        "zh": "单元格中是 Excel 错误值（#N/A、#DIV/0!、#REF! 等）",
    },
    "r_stray_cell": {
        "en": "a cell far outside the table ({cells}): delete it in Excel if it is no data",
        "zh": "表格之外很远处的单元格（{cells}）：如不是数据，请在 Excel 中删除",
    },
    "r_split_row": {
        "en": "a line break inside a cell split this row over lines {first}-{last}; "
        "put the cell in quotes or remove the line break in the DMS",
        "zh": "单元格内的换行把这一行拆到了第 {first}-{last} 行；请给该单元格加引号或在 DMS 中去掉换行",
    },
    "r_repeated_header": {"en": "header row repeated in the data", "zh": "数据中重复出现表头行"},
    # ---- validate printout
    "v_title": {"en": "Validation of {n} file(s)", "zh": "校验 {n} 个文件"},
    "v_file": {"en": "File", "zh": "文件"},
    "v_table": {"en": "Table", "zh": "表"},
    "v_encoding": {"en": "Encoding", "zh": "编码"},
    "v_rows": {"en": "Rows", "zh": "数据行"},
    "v_accepted": {"en": "Accepted", "zh": "接受"},
    "v_duplicates": {"en": "Duplicates", "zh": "重复"},
    "v_summary": {"en": "Summary rows", "zh": "合计行"},
    "v_rejected": {"en": "Rejected", "zh": "拒绝"},
    "v_warnings": {"en": "Warnings", "zh": "警告"},
    "v_total": {"en": "Total", "zh": "合计"},
    "v_mapping": {"en": "Header mapping", "zh": "列名映射"},
    "v_ignored": {"en": "ignored", "zh": "已忽略"},
    "v_header_line": {"en": "header on line {line}", "zh": "表头在第 {line} 行"},
    "v_warn_col": {
        "en": "{column}: {count} value(s) set to empty",
        "zh": "{column}：{count} 个值置空",
    },
    "v_conflicts": {
        "en": "{count} conflicting duplicate(s) (same key, other values)",
        "zh": "{count} 条冲突重复（键相同、值不同）",
    },
    "v_rejects_written": {"en": "Row problems written to {path}", "zh": "行级问题已写入 {path}"},
    "v_all_ok": {
        "en": "Every row is accounted for: {rows} = {accepted} accepted + {duplicates} "
        "duplicates + {summary} summary + {rejected} rejected.",
        "zh": "所有数据行均已计入：{rows} = 接受 {accepted} + 重复 {duplicates} "
        "+ 合计 {summary} + 拒绝 {rejected}。",
    },
    "progress_reading": {"en": "Reading exports", "zh": "读取导出文件"},
    "cache_hit": {
        "en": "The exports read from the cache in {seconds:.1f} s ({entry}): the same files "
        "as when it was written",
        "zh": "导出文件从缓存读取，用时 {seconds:.1f} 秒（{entry}）：与写入缓存时的文件相同",
    },
    "cache_stored": {
        "en": "The loaded exports kept in the cache ({entry}) for the next run",
        "zh": "已将读取的导出文件存入缓存（{entry}），供下次运行使用",
    },
    "cache_not_stored": {
        "en": "The loaded exports could not be kept in the cache ({detail}); nothing else changes",
        "zh": "读取的导出文件未能存入缓存（{detail}）；其余不受影响",
    },
    "cache_unreadable": {
        "en": "A cache entry did not read back ({detail}): removed, and the exports read "
        "from the files",
        "zh": "缓存条目无法读回（{detail}）：已删除，导出文件改为从原文件读取",
    },
    "progress_step": {"en": "{step} ...", "zh": "{step}……"},
    "progress_step_done": {
        "en": "{step}: done in {seconds:.1f} s",
        "zh": "{step}完成，用时 {seconds:.1f} 秒",
    },
    "step_writing": {"en": "writing the outputs", "zh": "写出结果文件"},
    "step_reading": {"en": "reading the exports", "zh": "读取导出文件"},
    # ---- table names
    "t_repair_orders": {"en": "repair orders", "zh": "维修工单"},
    "t_appointments": {"en": "appointments", "zh": "预约"},
    "t_insurance_policies": {"en": "insurance policies", "zh": "保险保单"},
    "t_csi_surveys": {"en": "CSI surveys", "zh": "满意度回访"},
    "t_staff": {"en": "staff", "zh": "人员"},
    "t_vehicle_sales": {"en": "vehicle sales", "zh": "新车销售"},
    # ---- sample and demo
    "sample_written": {
        "en": "Sample store written to {path}: {files}",
        "zh": "示例门店数据已写入 {path}：{files}",
    },
    "demo_done": {"en": "Demo outputs written to {path}:", "zh": "演示结果已写入 {path}："},
}


def default_language() -> str:
    """Chinese unless the locale is English (en_*): the toolkit is made for Chinese stores, and
    a cron job's C or POSIX locale says nothing about its reader (issue 13). The config's
    ``lang`` and ``--lang`` come first."""
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var)
        if value:
            return "en" if value.lower().startswith("en") else "zh"
    loc = locale.getlocale()[0] or ""
    return "en" if loc.lower().startswith("en") else "zh"


# English sentences that open with a name written in lower case ("revenue", "customer
# pay"): their first letter is made a capital once the name is in
_OPENS_WITH_A_NAME = frozenset(
    {
        "rp_brief",
        "rp_brief_alone",
        "rp_move_up",
        "rp_move_down",
        "rp_benchmark_gap",
        "rp_types_claim",
        "rp_pay_claim",
    }
)


def t(key: str, lang: str = "en", **params: object) -> str:
    """The message ``key`` in ``lang``, formatted with ``params`` (a :class:`Message` among
    them is said in the same language)."""
    entry = MESSAGES[key]
    text = entry.get(lang) or entry["en"]
    if not params:
        return text
    text = text.format(
        **{k: v.render(lang) if isinstance(v, Message) else v for k, v in params.items()}
    )
    if lang == "en" or lang not in entry:
        text = _one(text)
        if key in _OPENS_WITH_A_NAME:
            text = capital(text)
    return text


# English nouns a count is put before in the messages, and their singular: "1 day overdue",
# "1 visit, last ...", never "1 days", "1 visits" (a count of exactly one, not 21 or 1.5)
_SINGULAR = {
    "days": "day",
    "weeks": "week",
    "months": "month",
    "years": "year",
    "hours": "hour",
    "minutes": "minute",
    "visits": "visit",
    "customers": "customer",
    "vehicles": "vehicle",
    "cars": "car",
    "policies": "policy",
    "services": "service",
    "stores": "store",
    "technicians": "technician",
    "arrivals": "arrival",
    "rows": "row",
    "lines": "line",
    "files": "file",
    "ROs": "RO",
}
_ONE = re.compile(r"(?<![\d.,])1 (" + "|".join(_SINGULAR) + r")\b")


def _one(text: str) -> str:
    return _ONE.sub(lambda m: "1 " + _SINGULAR[m.group(1)], text) if "1 " in text else text


def capital(text: str) -> str:
    """English text with a capital first letter ("revenue: ..." -> "Revenue: ...")."""
    return text[:1].upper() + text[1:]


@dataclass(frozen=True, eq=False)
class Message:
    """What an analysis says, as a key and parameters: rendered in a language only at the
    edge (the report, a list, the terminal). ``str()`` is the English text."""

    key: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def render(self, lang: str = "en") -> str:
        if self.key == "p_period":  # a span of dates, as the trade writes it
            from .numbers import period_text

            return period_text(self.params["start"], self.params["end"], lang)
        return t(self.key, lang, **self.params)

    def __str__(self) -> str:
        return self.render("en")

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Message)
            and self.key == other.key
            and dict(self.params) == dict(other.params)
        )

    def __hash__(self) -> int:
        return hash(self.key)

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.key, **{k: str(v) for k, v in self.params.items()}}


def say(value: object, lang: str) -> str:
    """A message, or a plain value, as text in ``lang``."""
    if isinstance(value, Message):
        return value.render(lang)
    return "" if value is None else str(value)


def sentence(value: object, lang: str) -> str:
    """A reason said on its own (a bullet of the report) as a sentence: in English with a
    capital and a full stop, in Chinese with its 。 ("the exports start on ..." is a clause
    inside "no comparison: ...", and a sentence on its own)."""
    text = say(value, lang).strip()
    if not text:
        return text
    if lang == "zh":
        return text if text.endswith(("。", "！", "？")) else text + "。"
    text = capital(text)
    return text if text.endswith((".", "!", "?")) else text + "."


def in_words(frame: Any, lang: str) -> Any:
    """A copy of a DataFrame with every :class:`Message` cell said in ``lang``."""
    out = frame.copy()
    for name in out.columns:
        col = out[name]
        if col.dtype == object and col.map(lambda v: isinstance(v, Message)).any():
            out[name] = col.map(lambda v: say(v, lang) if isinstance(v, Message) else v)
    return out
