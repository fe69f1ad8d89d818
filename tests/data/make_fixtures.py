"""Writes the small messy exports under tests/data/ (run once; the files are committed).

Each file imitates one thing real DMS exports do; tests/test_ingest.py states the exact
accounting expected of each. Run: python tests/data/make_fixtures.py
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from openpyxl import Workbook

HERE = Path(__file__).parent

# GB18030, two title lines, unit suffixes in headers, ¥ amounts, a blank line,
# an exact duplicate, a conflicting duplicate, a bad required date, an Excel-spoiled
# phone, a mixed pay type, and a 合计 row.
RO_GBK = """\
xx汽车4S店 维修工单明细 2025年
导出时间：2026/1/2 9:00,,,,,,,,,,
工单号,客户编号,车牌号,VIN,进厂时间,交车时间,维修类型,结算方式,工时费(元),材料费（元）,联系电话,进厂里程（km）
RO2501001,C001,粤A12345,LSVAB4BR5EN100001,2025/3/5 8:07,2025/3/5 11:30,定保,自费,"¥1,234.50",300,13812345678,10000
RO2501002,C002,粤B54321,LSVAB4BR5EN100002,2025/3/6 9:15,2025/3/6 16:00,一般维修,自费+索赔,800,"1,200.00",1.38E+10,25000
RO2501003,C003,粤A99999,,2025/3/7 10:00,,钣喷,保险,2000,3000,13900001111,abc

RO2501004,C001,粤A12345,LSVAB4BR5EN100001,2025/13/45 8:00,,保养,自费,100,50,13812345678,15000
RO2501001,C001,粤A12345,LSVAB4BR5EN100001,2025/3/5 8:07,2025/3/5 11:30,定保,自费,"¥1,234.50",300,13812345678,10000
RO2501002,C002,粤B54321,LSVAB4BR5EN100002,2025/3/6 9:15,2025/3/6 17:00,一般维修,自费+索赔,800,"1,200.00",1.38E+10,25000
,C004,粤C11111,,2025/3/8 9:00,,首保,自费,0,0,13700000000,3000
合计,,,,,,,,"4,134.50","4,550.00",,
"""

# UTF-8 with BOM, English headers, US dates with AM/PM (a day > 12 decides M/D).
RO_UTF8_EN = """\
RO Number,Customer No,License Plate,Open Date,Promise Time,Pickup Date,RO Type,Pay Type,\
Labor Sale,Parts Sale,Flag Hours,Odometer,Service Advisor,Technician,Appointment Flag
E100,K1,ABC123,3/15/2025 8:07 AM,3/15/2025 5:00 PM,3/15/2025 4:30 PM,Maintenance,Customer Pay,\
120.00,80.00,1.5,12000,Ann,Bob,Y
E101,K2,XYZ789,3/16/2025 1:30 PM,3/17/2025 12:00 PM,3/18/2025 9:00 AM,Repair,Warranty,\
0,450.00,3,54000,Ann,Carl,N
E102,K3,,4/2/2025 10:00 AM,,,Body & Paint,Insurance,(50.00),900.00,6,31000,Dee,Bob,N
Total,,,,,,,,70.00,1430.00,10.5,,,,
"""

RO_MISSING_OPEN = """\
工单号,客户编号,维修类型,工时费
RO1,C1,定保,100
"""

RO_AMBIGUOUS = """\
RO Number,Customer No,Open Date
A1,K1,03/05/2025
A2,K2,04/06/2025
"""

# Excel's "Unicode text": UTF-16 with BOM, tab-delimited.
RO_UTF16 = (
    "工单号\t车架号\t开单时间\t结算金额\t是否预约\n"
    "U1\tLSVAB4BR5EN100009\t20250401\t1,000\t是\n"
    "U2\tLSVAB4BR5EN100010\t20250402\t2000\t否\n"
)

APPOINTMENTS = """\
预约单号,车牌号,预约到店时间,预约状态
P1,粤A12345,2025-03-05 08:00,到店
P2,粤B54321,2025-03-06 09:00,爽约
P3,粤A99999,2025-03-07 10:00,取消
"""

CSI = """\
工单号,回访日期,满意度,客户意见
RO2501001,2025-03-07,5,很好
RO2501002,2025-03-08,3,等待时间长
"""

STAFF = """\
工号,姓名,岗位,入职日期,离职日期
T01,李师傅,维修技师,2020-01-15,
T02,王工,机修工,2021-06-01,2025-08-31
A01,张顾问,服务顾问,2019-03-01,
"""

INSURANCE = """\
保单号,车架号,起保日期,终保日期,保险公司,保费,是否续保
I1,LSVAB4BR5EN100001,2024-03-10,2025-03-09,平安,"3,500",是
I2,LSVAB4BR5EN100002,2024-05-01,2025-04-30,人保,4200,否
"""


def write_xlsx(path: Path) -> None:
    """Two title lines above the header; real Excel dates, a serial date and numbers."""
    wb = Workbook()
    ws = wb.active
    ws.title = "工单"
    ws.append(["xx店 维修工单明细"])
    ws.append(["2025年3月"])
    ws.append(["委托书号", "车主编号", "接车时间", "竣工时间", "维修金额", "手机", "作业分类"])
    ws.append(["X1", "C9", dt.datetime(2025, 3, 5, 8, 7), dt.datetime(2025, 3, 5, 10, 0),
               1500.5, 13812345678, "保修"])
    ws.append(["X2", "C10", 45721.375, None, 300, "1.38E+10", "洗车"])
    ws.append(["X3", None, "2025-03-07 09:00", None, 100, None, "机修"])
    notes = wb.create_sheet("说明")
    notes.append(["本表由 DMS 导出"])
    wb.save(path)


def main() -> None:
    (HERE / "ro_gbk_title_total.csv").write_bytes(RO_GBK.encode("gb18030"))
    (HERE / "ro_utf8bom_english.csv").write_bytes(RO_UTF8_EN.encode("utf-8-sig"))
    (HERE / "bad" / "ro_missing_open_time.csv").write_bytes(RO_MISSING_OPEN.encode("utf-8"))
    (HERE / "bad" / "ro_ambiguous_dates.csv").write_bytes(RO_AMBIGUOUS.encode("utf-8"))
    (HERE / "ro_unicode_text.txt").write_bytes(RO_UTF16.encode("utf-16"))
    (HERE / "appointments.csv").write_bytes(APPOINTMENTS.encode("gb18030"))
    (HERE / "csi.csv").write_bytes(CSI.encode("utf-8-sig"))
    (HERE / "staff.csv").write_bytes(STAFF.encode("utf-8"))
    (HERE / "insurance.csv").write_bytes(INSURANCE.encode("gb18030"))
    write_xlsx(HERE / "ro_two_titles.xlsx")


if __name__ == "__main__":
    main()
