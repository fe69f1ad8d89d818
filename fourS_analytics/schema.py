"""The canonical schema: tables, columns, value kinds, header synonyms and categories.

Everything else in the package imports its column names from here. Header synonyms are
the ones seen in real DMS exports (see ``shared/DOMAIN.md``); a user's mapping file adds
more without touching this module.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

# Value kinds a column can hold; each has one parser in ``parsers.py``.
TEXT = "text"  # free text, stripped; empty -> missing
ID = "id"  # identifier: text, stripped, internal spaces removed
DATETIME = "datetime"
DATE = "date"
AMOUNT = "amount"  # currency: ¥, 元, thousands separators, (negatives)
NUMBER = "number"  # plain non-negative number (mileage, hours)
BOOL = "bool"
PHONE = "phone"
VIN = "vin"
PLATE = "plate"
CATEGORY = "category"  # mapped through a synonym table to canonical values
MULTI_CATEGORY = "multi_category"  # several categories in one cell ("自费+索赔")
SCORE = "score"  # survey score, normalised per column


@dataclass(frozen=True)
class Column:
    """One canonical column: its name, value kind and the headers seen for it."""

    name: str
    kind: str
    synonyms: tuple[str, ...]
    personal: bool = False  # personal data: masked in every report by default
    categories: str | None = None  # key into CATEGORY_SYNONYMS for category kinds


@dataclass(frozen=True)
class Table:
    """One export table: its columns, what a row needs, and what makes a row unique."""

    name: str
    columns: tuple[Column, ...]
    required: tuple[str, ...]  # columns every row must have
    # at least one of these must be present per row (the analysis unit); empty = none
    unit_columns: tuple[str, ...] = ()
    key: tuple[str, ...] = ()  # duplicate key; empty = whole row
    # columns whose presence in a header says "this is that table" (for recognition)
    signature: tuple[str, ...] = field(default=())

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


def _c(
    name: str, kind: str, *synonyms: str, personal: bool = False, categories: str | None = None
) -> Column:
    return Column(name, kind, (name, *synonyms), personal=personal, categories=categories)


# Columns shared by several tables.
_CUSTOMER_ID = _c(
    "customer_id",
    ID,
    "客户编号",
    "车主编号",
    "客户代码",
    "客户号",
    "customer no",
    "customer number",
    "customer id",
    "custno",
)
_VIN = _c(
    "vin", VIN, "VIN", "车架号", "底盘号", "VIN码", "车辆识别代号", "车辆识别码", personal=True
)
_PLATE = _c(
    "plate",
    PLATE,
    "车牌号",
    "车牌",
    "车牌号码",
    "license plate",
    "plate no",
    "licence plate",
    personal=True,
)
_PHONE = _c(
    "phone",
    PHONE,
    "联系电话",
    "手机",
    "手机号",
    "电话",
    "联系方式",
    "phone",
    "mobile",
    "telephone",
    personal=True,
)
_STORE = _c(
    "store", ID, "门店", "经销商代码", "经销商", "店代码", "dealer code", "dealer", "store code"
)
_RO_ID = _c(
    "ro_id",
    ID,
    "工单号",
    "委托书号",
    "工单编号",
    "维修工单号",
    "RO Number",
    "RONumber",
    "RO No",
    "RO",
    "repair order",
)

REPAIR_ORDERS = Table(
    name="repair_orders",
    columns=(
        _RO_ID,
        _CUSTOMER_ID,
        _VIN,
        _PLATE,
        _c(
            "open_time",
            DATETIME,
            "进厂时间",
            "开单时间",
            "工单开单日期",
            "接车时间",
            "进厂日期",
            "开单日期",
            "open date",
            "opendate",
            "open time",
            "ro open date",
        ),
        _c(
            "promised_time",
            DATETIME,
            "预交车时间",
            "预计交车时间",
            "预约交车时间",
            "承诺交车时间",
            "promise time",
            "promised time",
            "promise date",
        ),
        _c(
            "completed_time",
            DATETIME,
            "竣工时间",
            "完工时间",
            "完工日期",
            "竣工日期",
            "completed time",
            "completion time",
        ),
        _c(
            "delivered_time",
            DATETIME,
            "交车时间",
            "交车日期",
            "出厂时间",
            "出厂日期",
            "pickup date",
            "delivered time",
            "delivery time",
        ),
        _c(
            "settled_time",
            DATETIME,
            "结算时间",
            "结算日期",
            "提交结算时间",
            "close date",
            "cashierdate",
            "settle date",
            "closed date",
        ),
        _c(
            "ro_type",
            CATEGORY,
            "维修类型",
            "工单类型",
            "作业分类",
            "维修性质",
            "ro type",
            "repair type",
            categories="ro_type",
        ),
        _c(
            "pay_type",
            MULTI_CATEGORY,
            "结算方式",
            "付费方式",
            "付费类型",
            "pay type",
            "payment type",
            categories="pay_type",
        ),
        _c(
            "labor_amount",
            AMOUNT,
            "工时费",
            "维修工时费",
            "工时金额",
            "labor sale",
            "labour sale",
            "labor amount",
        ),
        _c(
            "parts_amount",
            AMOUNT,
            "材料费",
            "配件费",
            "零件费",
            "材料金额",
            "parts sale",
            "parts amount",
        ),
        _c(
            "total_amount",
            AMOUNT,
            "维修金额",
            "结算金额",
            "总金额",
            "合计金额",
            "工单金额",
            "total sale",
            "total amount",
            "total",
        ),
        _c(
            "labor_hours",
            NUMBER,
            "工时",
            "结算工时",
            "工时定额",
            "工时数",
            "flag hours",
            "FRH",
            "labor hours",
            "labour hours",
        ),
        _c("mileage", NUMBER, "进厂里程", "行驶里程", "里程", "里程数", "odometer", "mileage"),
        _c("advisor", TEXT, "服务顾问", "接待员", "客户经理", "service advisor", "advisor"),
        _c("technician", TEXT, "维修技师", "主修技师", "指定技师", "技师", "technician"),
        _c(
            "is_appointment",
            BOOL,
            "是否预约",
            "预约",
            "预约标志",
            "appointment flag",
            "appointment",
            "appt",
        ),
        _c("is_comeback", BOOL, "是否返修", "返修", "返修标志", "comeback", "comeback flag"),
        _c(
            "customer_name",
            TEXT,
            "客户名称",
            "车主",
            "车主姓名",
            "客户姓名",
            "送修人",
            "customer name",
            "owner",
            personal=True,
        ),
        _PHONE,
        _c(
            "vehicle_sale_date",
            DATE,
            "车辆销售日期",
            "购车日期",
            "销售日期",
            "sale date",
            "vehicle sale date",
        ),
        _c("model", TEXT, "车型", "车系", "model", "vehicle model"),
        # hours the technicians clocked on the job (for efficiency: hours sold / hours clocked)
        _c(
            "clocked_hours",
            NUMBER,
            "实际工时",
            "派工工时",
            "作业工时",
            "实际作业工时",
            "clocked hours",
            "actual hours",
            "hours worked",
        ),
        # what the parts and the whole RO cost the store (gross profit and margins)
        _c("parts_cost", AMOUNT, "配件成本", "材料成本", "零件成本", "parts cost", "cost of parts"),
        _c("cost_amount", AMOUNT, "成本金额", "总成本", "工单成本", "成本", "cost", "total cost"),
        # work the advisor recommended and the customer did not have done (the 未修项目 list)
        _c(
            "declined_work",
            TEXT,
            "客户拒修项目",
            "建议维修项目",
            "未修项目",
            "拒修项目",
            "建议维修",
            "建议项目",
            "declined work",
            "recommended work",
            "declined",
        ),
        _STORE,
    ),
    required=("ro_id", "open_time"),
    unit_columns=("customer_id", "vin", "plate"),
    key=("store", "ro_id"),
    signature=("ro_id", "open_time"),
)

APPOINTMENTS = Table(
    name="appointments",
    columns=(
        _c(
            "appt_id",
            ID,
            "预约单号",
            "预约编号",
            "预约号",
            "appointment id",
            "appointment no",
            "appt id",
        ),
        _CUSTOMER_ID,
        _VIN,
        _PLATE,
        _c(
            "created_time",
            DATETIME,
            "创建时间",
            "登记时间",
            "预约登记时间",
            "created time",
            "created",
        ),
        _c(
            "scheduled_time",
            DATETIME,
            "预约时间",
            "预约到店时间",
            "预约进厂时间",
            "scheduled time",
            "appointment time",
        ),
        _c("status", CATEGORY, "预约状态", "状态", "status", categories="appt_status"),
        _RO_ID,
        _STORE,
    ),
    required=("scheduled_time",),
    unit_columns=("customer_id", "vin", "plate"),
    key=("store", "appt_id"),
    signature=("scheduled_time",),
)

INSURANCE_POLICIES = Table(
    name="insurance_policies",
    columns=(
        _c("policy_id", ID, "保单号", "保单编号", "policy no", "policy number", "policy id"),
        _VIN,
        _PLATE,
        _CUSTOMER_ID,
        _c("start_date", DATE, "起保日期", "保险起期", "生效日期", "start date"),
        _c(
            "end_date",
            DATE,
            "终保日期",
            "保险止期",
            "到期日期",
            "保险到期日",
            "end date",
            "expiry date",
        ),
        _c("insurer", TEXT, "保险公司", "承保公司", "insurer"),
        _c("premium", AMOUNT, "保费", "总保费", "保费金额", "premium"),
        _c("renewed_here", BOOL, "是否续保", "续保", "本店续保", "renewed", "renewed here"),
        _STORE,
    ),
    required=("end_date",),
    unit_columns=("vin", "plate", "customer_id"),
    key=("store", "policy_id"),
    signature=("end_date",),
)

CSI_SURVEYS = Table(
    name="csi_surveys",
    columns=(
        _RO_ID,
        _c("survey_date", DATE, "回访日期", "调查日期", "回访时间", "survey date"),
        _c("score", SCORE, "满意度", "评分", "得分", "满意度得分", "score", "csi score", "csi"),
        _c(
            "scale",
            TEXT,
            "满分",
            "评分满分",
            "量表",
            "评分量表",
            "scale",
            "score scale",
            "max score",
        ),
        _c("comment", TEXT, "意见", "客户意见", "备注", "回访内容", "comment", "comments"),
        _STORE,
    ),
    required=("ro_id", "score"),
    key=("store", "ro_id", "survey_date"),
    signature=("ro_id", "score"),
)

STAFF = Table(
    name="staff",
    columns=(
        _c("staff_id", ID, "工号", "员工编号", "员工号", "employee id", "staff id"),
        _c("name", TEXT, "姓名", "员工姓名", "name", "employee name", personal=True),
        _c("role", CATEGORY, "岗位", "职位", "角色", "工种", "role", "position", categories="role"),
        _c("hire_date", DATE, "入职日期", "入职时间", "hire date"),
        _c("leave_date", DATE, "离职日期", "离职时间", "leave date", "termination date"),
        _STORE,
    ),
    required=("name", "role"),
    key=("store", "staff_id", "name"),
    signature=("name", "role"),
)

# the new vehicles the store sold (the sales department's export): the 首保 lists and the
# retention ladder start from them
VEHICLE_SALES = Table(
    name="vehicle_sales",
    columns=(
        _VIN,
        _PLATE,
        _CUSTOMER_ID,
        _c(
            "sale_date",
            DATE,
            "销售日期",
            "购车日期",
            "开票日期",
            "车辆销售日期",
            "售车日期",
            "sale date",
            "sold date",
            "date sold",
        ),
        _c(
            "customer_name",
            TEXT,
            "客户名称",
            "车主",
            "车主姓名",
            "客户姓名",
            "购车人",
            "customer name",
            "owner",
            personal=True,
        ),
        _PHONE,
        _c("model", TEXT, "车型", "车系", "model", "vehicle model"),
        _c("advisor", TEXT, "销售顾问", "服务顾问", "sales consultant", "salesperson", "advisor"),
        _STORE,
    ),
    required=("sale_date",),
    unit_columns=("vin", "plate"),
    key=("store", "vin"),
    signature=("sale_date", "vin"),
)

TABLES: dict[str, Table] = {
    t.name: t
    for t in (REPAIR_ORDERS, APPOINTMENTS, INSURANCE_POLICIES, CSI_SURVEYS, STAFF, VEHICLE_SALES)
}

# Canonical categories and the words seen for them. Matching is on the normalised word
# (see ``normalize_word``); a cell may also *contain* a word (维修-一般维修 -> repair), tried
# in the order listed, so longer, more specific words come first.
CATEGORY_SYNONYMS: dict[str, dict[str, tuple[str, ...]]] = {
    "ro_type": {
        "first_service": ("首保", "首次保养", "免费保养", "first service", "first_service"),
        "maintenance": ("定保", "定期保养", "保养", "maintenance", "service", "pm"),
        "accident": ("事故车", "事故", "accident"),
        "body_paint": (
            "钣金",
            "喷漆",
            "钣喷",
            "油漆",
            "body",
            "paint",
            "body_paint",
            "body & paint",
            "body/paint",
        ),
        "warranty": ("保修", "索赔", "三包", "warranty"),
        "internal": ("内部", "internal"),
        "wash": ("洗车", "美容", "wash"),
        "repair": ("一般维修", "机修", "维修", "小修", "大修", "repair", "general repair"),
        "other": ("其他", "其它", "other"),
    },
    "pay_type": {
        "customer": ("自费", "客户付费", "客户自费", "customer pay", "customer", "cp"),
        "warranty": ("索赔", "三包", "保修", "warranty", "w"),
        "insurance": ("保险理赔", "保险", "insurance", "i"),
        "internal": ("内部", "internal"),
    },
    "appt_status": {
        "shown": ("到店", "已到店", "已进厂", "完成", "已完成", "shown", "arrived", "completed"),
        "no_show": ("爽约", "未到店", "失约", "no show", "no_show", "noshow", "missed"),
        "cancelled": ("取消", "已取消", "cancelled", "canceled"),
        "pending": ("待到店", "未到", "预约中", "pending", "booked", "scheduled"),
    },
    "role": {
        "technician": (
            "维修技师",
            "技师",
            "机修工",
            "钣金工",
            "喷漆工",
            "油漆工",
            "机电技师",
            "technician",
            "tech",
            "mechanic",
        ),
        "advisor": ("服务顾问", "接待", "顾问", "service advisor", "advisor"),
        "manager": ("服务经理", "站长", "经理", "manager"),
        "other": ("其他", "其它", "other"),
    },
}

# Words that mark a summary row (合计行) in any of a row's first cells.
SUMMARY_WORDS: frozenset[str] = frozenset(
    {"合计", "总计", "小计", "汇总", "total", "totals", "grandtotal", "subtotal", "sum"}
)

# Dates outside this range are treated as invalid (Excel's 1900 zero date, typos).
MIN_VALID_YEAR = 1970
MAX_VALID_YEAR = 2099

_UNIT_SUFFIX = re.compile(r"[\(\[（【<《][^\)\]）】>》]*[\)\]）】>》]$")
_SEPARATORS = re.compile(r"[\s_\-\./:：*#]+")


def normalize_word(text: str) -> str:
    """Normalise a header or category word for matching.

    Full-width forms become half-width (NFKC), case is folded, spaces, underscores and
    punctuation are removed, and a trailing unit in brackets such as ``(元)``, ``（km）`` or
    ``[h]`` is dropped.
    """
    word = unicodedata.normalize("NFKC", str(text)).strip().lower()
    prev = None
    while prev != word:  # "金额(元)(含税)" -> "金额"
        prev = word
        word = _UNIT_SUFFIX.sub("", word).strip()
    return _SEPARATORS.sub("", word)


def header_index(table: Table) -> dict[str, str]:
    """Normalised header word -> canonical column name, for one table."""
    index: dict[str, str] = {}
    for col in table.columns:
        for syn in col.synonyms:
            index.setdefault(normalize_word(syn), col.name)
    return index


def category_index(kind: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    """Normalised word -> canonical category for one category set, plus user words."""
    index: dict[str, str] = {}
    for canonical, words in CATEGORY_SYNONYMS[kind].items():
        for word in (canonical, *words):
            index.setdefault(normalize_word(word), canonical)
    for word, canonical in (extra or {}).items():
        index[normalize_word(word)] = canonical
    return index


def categories_of(kind: str) -> tuple[str, ...]:
    return tuple(CATEGORY_SYNONYMS[kind])


def example_headers(table: str) -> str:
    """The headers a file needs to be read as ``table`` (its first Chinese and English
    synonym of each required column and of one unit column), for error messages."""
    spec = TABLES[table]
    names = [*spec.required, *spec.unit_columns[:1]]

    def shown(name: str) -> str:
        synonyms = spec.column(name).synonyms[1:]
        zh = next((s for s in synonyms if not s.isascii()), name)
        en = next((s for s in synonyms if s.isascii()), name)
        return f"{zh}/{en}"

    return ", ".join(shown(n) for n in names)
