"""The command line's help in Chinese (issue 13: ``--help`` follows ``--lang``).

The English texts stay in the commands' docstrings and ``help=`` arguments, where a reader
of the code sees them; this module says each of them in Chinese, keyed by the English text
(``tests/test_cli.py`` checks that every command and every option has its translation, so a
new option without one fails the suite). Examples keep their commands as typed.
"""

from __future__ import annotations

import inspect

HEADINGS = {"usage": "用法：", "options": "选项", "commands": "命令"}

COMMANDS = {
    "fours": """fourS_analytics：从 DMS 导出数据做 4S 店售后分析。

    \b
    示例：
      fours validate exports/            # 读取并检查文件夹里的每个导出文件
      fours --lang en demo -o fours_demo # 在内置样例店上运行全部分析（英文输出）
    """,
    "validate": """读取导出文件，逐行计入：接受、重复、合计行或拒绝。

    PATHS 是导出文件（CSV、TXT、XLSX、XLS）和/或其所在文件夹。每个文件的表按表头识别；
    输出列出每个文件和合计的表头对应与行数核对。问题行文件默认隐去个人信息，
    除非使用 --include-contact。

    \b
    示例：
      fours validate exports/ --rejects problems.csv
      fours validate ro.csv --table repair_orders=ro.csv --format json
    """,
    "loyalty": """按回厂次数和客户质量给忠诚度打分，列出核心客户。

    写出 loyalty.csv（每位客户：各项得分、0-100 总分、等级、12 个月预计进厂次数、
    终身价值）、loyal_top.csv（邀约名单）、loyalty_summary.csv、loyalty_model.json
    和两张 SVG 图。联系方式默认隐去，除非使用 --include-contact。

    \b
    示例：
      fours loyalty exports/ -o out/ --as-of 2025-12-31
      fours loyalty exports/ --top-n 50 --include-contact
    """,
    "lists": """本周的招揽名单：保养招揽、续保提醒、在修不在保、首保招揽与首保流失
    （需要新车销售导出）、未修项目（需要未修项目列）和活动邀请（核心客户优先）。

    每个名单写一个 CSV（UTF-8 带 BOM），另有 lists.xlsx（每个名单一页，只含前
    --workbook-rows 行）和 lists.json（数量和数字）。
    每行：客户、服务顾问、原因和优先级，最值得打的电话排在最前。
    联系方式默认隐去，除非使用 --include-contact（此时文件只有本人可读）。

    \b
    示例：
      fours lists exports/ -o lists/ --as-of 2025-12-31 --weeks 4
      fours lists exports/ --event-date 2026-01-18 --include-contact
      fours lists exports/ --model bgnbd    # 每周用，不做流失模型的回测
    """,
    "churn": """预测可能流失的客户并给出原因，列出逾期和已流失客户，找出流失驱动因素。

    三个模型（BG/NBD、按保养周期的模型、监督学习模型）在最近一个完整观察期上回测，
    默认用 ROC AUC 最高者，--model 可指定。写出 churn.csv、winback.csv、lapsed.csv、
    drivers.csv、model.json 和 SVG 图（校准、提升、驱动因素）。联系方式默认隐去，
    除非使用 --include-contact。

    \b
    示例：
      fours churn exports/ -o out/ --as-of 2025-12-31 --horizon-days 365
      fours churn exports/ --calibration-end 2024-12-31 --holdout-end 2025-12-31
    """,
    "kpi": """售后部门某一期间的 KPI，与对比期间和目标相比。

    进厂台次、产值（工时、配件）、单车产值、人均产值、单车工时、有效工时单价、技师效率、
    毛利与毛利率，预约率、爽约率、返修率、一次修复率、交车准时率、续保率、保有率与流失率、
    有效保有客户、满意度、在厂时长和首保率，定义见 DOMAIN.md；与上年同期（同比）相比，
    不足一年的期间还与紧邻的上一期（环比）相比；然后是结算方式构成、保有客户到店频次
    和保养留存阶梯。缺数据的 KPI 显示为“无”并说明原因。CSV 和 JSON 中比率为 0-1 的小数。

    \b
    示例：
      fours kpi exports/ --year 2025 --targets targets.toml
      fours kpi exports/ --from 2025-01-01 --to 2025-06-30 --by month --format json
    """,
    "workload": """按一周各小时建模车间负荷、等待和人员配置；安排预约时段以削峰。

    按星期 x 小时统计到店（预约和直接到店），各维修类型的工作量，相对在岗技师的利用率，
    实际与模拟的等待，在模拟中先后检验的预约计划，达到等待目标所需的技师（现在和增长后），
    以及（用 --week）该周空闲工时的产能看板。

    \b
    示例：
      fours workload exports/ -o out/ --target-wait-minutes 30 --growth 0.1
      fours workload exports/ --technicians 12 --week 2026-01-05
    """,
    "report": """三部分年终总结：情况回顾、经验体会、今后打算。

    每个结论都有来自本店数据的数字支撑。写出一个独立的 HTML 文件（可打印为 A4）、
    一份带原生图表和演讲者备注的 16:9 PPTX 演示文稿，以及便于编辑的 Markdown。
    数据中有多家门店时：每店一份报告（各一个文件夹），另有一份集团对比报告（_group/）。

    \b
    示例：
      fours report exports/ --year 2025 -o out/ --store-name "xx汽车"
      fours --lang en report exports/ --year 2025 --formats html --targets targets.toml
    """,
    "sample": """把一家模拟门店的 DMS 导出数据（及其真实情况）写入文件夹。

    模拟店符合行业常态：按周期保养、随机维修、工作日上午和周六高峰、春节前高峰、
    带爽约的预约、排队的车间、返修、满意度回访、续保、人员变动，以及原因已知的流失。
    参数见 fourS_analytics/sample/params.py。

    \b
    示例：
      fours sample -o store/ --vehicles 3000 --years 3 --seed 7
      fours sample -o group/ --stores 5 --lang en --format xlsx --mess 0.002
    """,
    "demo": """在内置样例店上运行工具的全部分析。

    样例店是随软件包提供的一家模拟 4S 店（中文表头，工单为 GB18030 编码，预约为
    .xlsx）。输出写入一个文件夹，命令会列出每个文件的位置。

    \b
    示例：
      fours demo -o fours_demo
      fours --lang en demo
    """,
    "init": """为 `fours run` 写一个带注释的初始配置文件（fours.toml）。

    \b
    示例：
      fours init && fours run --config fours.toml --dry-run
    """,
    "run": """无人值守地完成一个期间的全部工作：validate、kpi、loyalty、churn、workload、report。

    原子地写出 OUT/<期间>_<时间戳>/，再让 OUT/latest 指向它，并附 manifest.json：
    输入（SHA-256）、设置、行数核对、输出和各步骤用时。同一 OUT 同时只运行一次。
    缺数据的步骤会跳过，原因写入 manifest 和日志。退出码：0 完成；1 某步骤失败、
    输入或 OUT 不可用、或另一次运行占用 OUT；2 用法或配置错误；3 已完成，但某表的
    拒绝比例高于 max_reject_rate（每份报告带警告横幅）。

    \b
    示例：
      fours run --data exports/ --out packs/ --period 2025
      fours run --config fours.toml              # 用于 cron：见 README
    """,
}

OPTIONS = {
    "Show the version and exit.": "显示版本并退出。",
    "Language of messages and labels (default: config, else the locale).": (
        "消息和标签的语言（默认：配置文件，其次按系统区域设置）。"
    ),
    "More detail; -v shows tracebacks of bugs.": "更多细节；-v 显示程序错误的调用栈。",
    "Only errors.": "只显示错误。",
    "TOML config; every option has a key there, flags override it.": (
        "TOML 配置文件；每个选项在其中都有对应的键，命令行选项优先。"
    ),
    "For dates such as 03/05/2025: day/month or month/day (default: decided per column).": (
        "对 03/05/2025 这类日期：日/月 还是 月/日（默认：逐列判断）。"
    ),
    "Keep the loaded exports in this folder; the next run on the same files reads them back "
    "instead of parsing (config: [ingest] cache_dir).": (
        "把读取后的导出数据保存在此文件夹；下次对相同文件运行时直接读回，不再解析"
        "（配置：[ingest] cache_dir）。"
    ),
    "TOML file mapping unknown headers to canonical columns.": (
        "把未识别表头对应到标准列的 TOML 文件。"
    ),
    "Say which table a file holds (repair_orders, appointments, insurance_policies, "
    "csi_surveys, staff, vehicle_sales).": (
        "指明文件是哪张表: repair_orders, appointments, insurance_policies, csi_surveys, staff, "
        "vehicle_sales。"
    ),
    "Output format.": "输出格式。",
    "Where to write the row problems (rejected rows, conflicting duplicates, emptied values).": (
        "问题行文件的位置（被拒绝的行、相互矛盾的重复行、被置空的值）。"
    ),
    "Do not write the row problems file.": "不写问题行文件。",
    "Full names, phones, plates and VINs in the lists (written owner-only); masked by default.": (
        "名单中显示完整姓名、电话、车牌和 VIN（文件仅所有者可读）；默认隐去。"
    ),
    "Analyse as of this day, included whole (default: the day of the last repair order).": (
        "以这一天（含当天）为分析截止日（默认：最后一张工单的日期）。"
    ),
    "The period: 2025, 2025-11, 2025-01..2025-06, last-month or last-year.": (
        "期间: 2025, 2025-11, 2025-01..2025-06, last-month (上月) 或 last-year (去年)。"
    ),
    "Folder for the outputs.": "输出文件夹。",
    "Service due within this many weeks (default 4).": "列出这么多周内到期的保养（默认 4）。",
    "The event the invitation list is for (default: two weeks after the as-of day).": (
        "邀请名单对应的活动日期（默认：截止日后两周）。"
    ),
    "lists.xlsx holds each list's first N rows (default 5000; 0: all). The CSVs hold all.": (
        "lists.xlsx 每个名单只含前 N 行（默认 5000；0 为全部）。CSV 含全部行。"
    ),
    "Size of the invitation list of core customers (default 100).": (
        "核心客户邀约名单的人数（默认 100）。"
    ),
    "Churn = no visit within this many days (365, or a span: 12m, 1y; default 365).": (
        "流失 = 这么多天内未进厂（365，或写成 12m、1y；默认 365）。"
    ),
    "Use this model instead of the backtest's best.": "使用此模型，而不是回测最优的模型。",
    "Rank the service calls with this churn model, fitted without the backtest that "
    "picks one (quicker; fours churn compares them).": (
        "用此流失模型为保养招揽排序，不做挑选模型的回测（更快；fours churn 会比较各模型）。"
    ),
    "Fit on data up to this date and score the period after it.": (
        "用截至此日的数据拟合，并对其后的期间打分。"
    ),
    "End of that scored period (default: --as-of).": "该打分期间的结束日（默认：--as-of）。",
    "The calendar year (default: the year of the last repair order).": (
        "自然年（默认：最后一张工单所在的年份）。"
    ),
    "First day of the period.": "期间的第一天。",
    "Last day of the period (included).": "期间的最后一天（含）。",
    "Compare with: prev (the same span a year earlier), none, YYYY, DATE..DATE.": (
        "对比：prev（上年同期）、none（不对比）、YYYY、日期..日期。"
    ),
    "TOML file of targets per KPI (and [monthly.KPI] per month).": (
        "各 KPI 目标的 TOML 文件（[monthly.KPI] 为分月目标）。"
    ),
    "Also break the KPIs down by this.": "另按此维度拆分 KPI。",
    "First day of the period (default: a year before --to).": (
        "期间的第一天（默认：--to 之前一年）。"
    ),
    "Last day (default: the last repair order).": "最后一天（默认：最后一张工单的日期）。",
    "Technicians on shift (default: as seen in the repair orders).": (
        "在岗技师人数（默认：按工单中出现的技师）。"
    ),
    "Workshop bays.": "车间工位数。",
    "Wait target, minutes (default 30).": "等待目标，分钟（默认 30）。",
    "Utilisation target per hour (default 0.85).": "每小时利用率目标（默认 0.85）。",
    "Demand growth for the staffing what-if (0.1 = +10 %; default 0.1).": (
        "人员测算假设的需求增长（0.1 = +10 %；默认 0.1）。"
    ),
    "Capacity board for the week of this date.": "此日期所在周的产能看板。",
    "The year (or --period: its year up to the period's end).": (
        "年份（或 --period：该期间所在年份，截至期间结束）。"
    ),
    "Comma-separated: html, pptx, md (default: all three).": (
        "逗号分隔：html、pptx、md（默认：三种都要）。"
    ),
    "The store's (or the group's) name for the title.": "标题中的门店（或集团）名称。",
    "Who presents the report (the deck's title slide).": "汇报人（演示文稿的标题页）。",
    "TOML file of targets per KPI.": "各 KPI 目标的 TOML 文件。",
    "TOML file of the manager's remarks: review, experience, plans.": (
        "经理点评的 TOML 文件：review（回顾）、experience（体会）、plans（打算）。"
    ),
    "Folder of your own jinja2 templates (report.html, report.md), rendered in a sandbox.": (
        "自定义 jinja2 模板（report.html、report.md）所在文件夹，在沙箱中渲染。"
    ),
    "Earlier years in the KPI table and monthly charts (default 1).": (
        "KPI 表和月度图中包含的往年数（默认 1）。"
    ),
    "Advisors' and technicians' names in full (masked by default).": (
        "显示服务顾问和技师的全名（默认隐去）。"
    ),
    "Folder to write the exports into.": "导出文件写入的文件夹。",
    "Vehicles sold by the store (or group) over the simulated span.": (
        "模拟期间门店（或集团）售出的车辆数。"
    ),
    "Years of exports.": "导出数据的年数。",
    "Last day of the exports (default: end of last year).": (
        "导出数据的最后一天（默认：去年年底）。"
    ),
    "Stores in the dealer group.": "集团中的门店数。",
    "Random seed: the same seed gives the same bytes.": "随机种子：同一种子得到逐字节相同的文件。",
    "Language of the export headers (default: the global --lang).": (
        "导出文件表头的语言（默认：全局 --lang）。"
    ),
    "Encoding of the CSV exports.": "CSV 导出文件的编码。",
    "File format of every export.": "每个导出文件的格式。",
    "Write this table as .xlsx even when --format is csv (repeatable).": (
        "即使 --format 为 csv，也把这张表写成 .xlsx（可重复）。"
    ),
    "Share of RO rows spoiled (bad dates, Excel-spoiled phones); above 0 also adds title "
    "lines, 合计 rows and overlapping exports.": (
        "被弄脏的工单行比例（错误日期、被 Excel 改坏的电话）；大于 0 时还会加标题行、"
        "合计行和相互重叠的导出。"
    ),
    "With --stores: one folder per store (S01/, S02/, ...), each simulated on its own; "
    "memory stays that of one store.": (
        "与 --stores 合用：每店一个文件夹（S01/、S02/……），各自单独模拟；内存只占一家店。"
    ),
    "Folder for the demo outputs.": "演示输出的文件夹。",
    "Where to write the starter config.": "初始配置文件的位置。",
    "Overwrite an existing file.": "覆盖已有文件。",
    "TOML config (see `fours init`); flags below override it.": (
        "TOML 配置文件（见 `fours init`）；下列选项优先于它。"
    ),
    "Folder of the DMS exports (config: [run] data).": (
        "DMS 导出文件所在文件夹（配置：[run] data）。"
    ),
    "Folder of the packs (config: [run] out).": "结果包所在文件夹（配置：[run] out）。",
    "last-month, last-year, YYYY, YYYY-MM or DATE..DATE (config: [run] period; default "
    "last-month).": (
        "last-month, last-year, YYYY, YYYY-MM 或 日期..日期 (配置: [run] period; 默认 last-month)。"
    ),
    "Check the config and the inputs; print what would be produced.": (
        "检查配置和输入，列出将会生成什么。"
    ),
    "A failing step does not stop the others; it is marked in the manifest.": (
        "某步骤失败不影响其他步骤；失败记入 manifest。"
    ),
    "Full names and phones in the call lists (written owner-only).": (
        "电话名单中显示完整姓名和电话（文件仅所有者可读）。"
    ),
    "Packs to keep (0: all; default 12).": "保留的结果包个数（0：全部；默认 12）。",
    "Data-quality gate per table (default 0.05).": "每张表的数据质量门槛（默认 0.05）。",
    "Also log to this file, one timestamped line per event.": (
        "同时写日志到此文件，每个事件一行并带时间戳。"
    ),
    "json: one JSON object per line (for log collectors).": (
        "json：每行一个 JSON 对象（供日志采集使用）。"
    ),
    "Stores run at once, each in its own worker process on a local Dask cluster (default: "
    "one per core; 1: one after another in this process).": (
        "同时运行的门店数，每家门店在本机 Dask 集群的一个工作进程中运行（默认：每个 CPU 核一个；"
        "1：在本进程中逐店运行）。"
    ),
    "Run the stores on an existing Dask cluster (tcp://host:8786); its workers must see the "
    "data and OUT folders at the same paths.": (
        "在已有的 Dask 集群上运行各门店（tcp://主机:8786）；其工作进程须能以相同路径访问数据和输出文件夹。"
    ),
}


WORDS = {"Show this message and exit.": "显示本帮助并退出。", "[default: ": "[默认: "}


def command_help(name: str, english: str | None) -> str | None:
    """The command's help in Chinese (its English help if there is none). Every paragraph
    is kept as written (click's ``\\b``): click rewraps at spaces, and Chinese has none."""
    text = COMMANDS.get(name)
    if not text:
        return english
    paragraphs = inspect.cleandoc(text).split("\n\n")
    return "\n\n".join(p if p.startswith("\b") else "\b\n" + p for p in paragraphs)


def option_help(english: str | None) -> str | None:
    """An option's help in Chinese (its English help if there is none)."""
    if english is None:
        return None
    return OPTIONS.get(" ".join(english.split()), english)
