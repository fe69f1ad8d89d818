"""The customer base on a hand-worked store: prices against peers known by the as-of day,
policies found by VIN or by plate, and no renewal share before any policy has ended."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import fourS_analytics as fours
from fourS_analytics import customers

ROS = """RO Number,Customer No,VIN,License Plate,Model,Open Date,RO Type,Pay Type,Total Amount
R1,C1,,P1,A,2025-01-10 09:00,Maintenance,Customer Pay,100
R2,C2,,P2,A,2025-01-11 09:00,Maintenance,Customer Pay,300
R3,C1,,P1,A,2025-03-01 09:00,Maintenance,Customer Pay,200
R4,C1,,P1,A,2025-03-01 11:00,Maintenance,Customer Pay,200
R5,C3,,P3,B,2025-03-02 09:00,Maintenance,Warranty,900
"""
POLICIES = """Policy No,VIN,License Plate,Start Date,End Date,Renewed
I1,,P2,2024-03-02,2025-03-01,Y
I2,,P1,2025-01-02,2026-01-01,N
I3,,P9,2025-01-01,2025-12-31,Y
"""


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> fours.Dataset:
    folder: Path = tmp_path_factory.mktemp("hand_worked")
    (folder / "repair_orders.csv").write_text(ROS, encoding="utf-8")
    (folder / "insurance_policies.csv").write_text(POLICIES, encoding="utf-8")
    return fours.load(folder)


def test_a_visit_is_priced_against_the_peers_known_by_the_as_of_day(
    store: fours.Dataset,
) -> None:
    """Model A maintenance, customer-paid: 100, 300, 200, 200 -> median 200 by June; C1's
    visits 100/200 = 0.5 and (200/200 + 200/200)/2 = 1.0, so 0.75; C2 300/200 = 1.5. As of
    1 February only 100 and 300 are known (median 200). C3 paid nothing: no price."""
    june = customers.build(store, "2025-06-30").customers
    assert june.loc["C1", "price_ratio"] == pytest.approx(0.75)
    assert june.loc["C2", "price_ratio"] == pytest.approx(1.5)
    assert np.isnan(june.loc["C3", "price_ratio"])
    february = customers.build(store, "2025-02-01").customers
    assert february["price_ratio"].to_dict() == {"C1": 0.5, "C2": 1.5}


def test_policies_are_found_by_plate_and_renewal_waits_for_an_ended_policy(
    store: fours.Dataset,
) -> None:
    """I1 (P2) ended 1 March and was renewed: C2's share is 1 from then on; I2 (P1) runs
    to 2026: C1 is insured here; I3's plate never came in. On 1 February no policy of a
    customer had ended: the share is unknown (NaN), not 0."""
    june = customers.build(store, "2025-06-30").customers
    assert june.loc["C2", "renewal_share"] == 1.0
    assert np.isnan(june.loc["C1", "renewal_share"])
    assert june["insured_here"].to_dict() == {"C1": True, "C2": False, "C3": False}
    february = customers.build(store, "2025-02-01").customers
    assert february["renewal_share"].isna().all()
    assert february["insured_here"].to_dict() == {"C1": True, "C2": True}


def test_the_label_counts_visit_days_after_the_cutoff_day(store: fours.Dataset) -> None:
    """Two ROs on 1 March are one visit day; the cutoff day itself is not in the horizon."""
    after = customers.visit_days_after(store, pd.Timestamp("2025-01-10"), 60)
    assert after.to_dict() == {"C1": 1, "C2": 1, "C3": 1}
    assert customers.visit_days_after(store, pd.Timestamp("2025-03-01"), 1).to_dict() == {
        "C1": 0,
        "C2": 0,
        "C3": 1,
    }


@pytest.mark.parametrize("storage", ["pyarrow", "python"])
def test_values_at_keys_are_what_map_gives(storage: str) -> None:
    """The CSI of each RO looked up by Arrow's index_in (issue 16): the values ``map`` gives,
    NaN for a key not in the table, for a missing key and where the table holds NaN."""
    from fourS_analytics.customers import values_at

    text = pd.StringDtype(storage, na_value=np.nan)
    keys = pd.Series(["R1", "R2", None, "R9", "R1", "R3", "r1"], dtype=text)
    table = pd.Series([4.5, np.nan, 3.0], index=pd.Index(["R1", "R2", "R3"], dtype=text))
    got = values_at(keys, table)
    np.testing.assert_array_equal(got, keys.map(table).to_numpy(dtype=float, na_value=np.nan))
    np.testing.assert_array_equal(got, [4.5, np.nan, np.nan, np.nan, 4.5, 3.0, np.nan])


@pytest.mark.parametrize("storage", ["pyarrow", "python"])
def test_positions_are_where_each_key_stands_in_the_index(storage: str) -> None:
    """The lookup the lists and the customer base share: -1 for a key not there, a missing
    key and a key that differs in case; the same as pandas' get_indexer."""
    from fourS_analytics.dataset import positions

    text = pd.StringDtype(storage, na_value=np.nan)
    keys = pd.Series(["V2", None, "V9", "V1", "v1", "V2"], dtype=text)
    index = pd.Index(["V1", "V2", "V3"], dtype=text)
    got = positions(keys, index)
    assert got.tolist() == [1, -1, -1, 0, -1, 1]
    assert got.tolist() == index.get_indexer(pd.Index(keys)).tolist()
