"""Every parameter of the simulated store, in one place.

The defaults follow what the trade reports (``shared/DOMAIN.md``): service every 10,000 km
or 12 months, whichever first; a first service within the first months; a three-year
warranty; weekday-morning and Saturday peaks; a Chinese New Year rush; comebacks after a
few per cent of repairs; churn that rises once the warranty ends and after bad experiences.
Tests check the simulated data against these numbers, so a change here is a change there.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Chinese New Year (Spring Festival) dates: the rush comes in the weeks before, the trough
# during the holiday week.
CNY_DATES = {
    2016: "2016-02-08",
    2017: "2017-01-28",
    2018: "2018-02-16",
    2019: "2019-02-05",
    2020: "2020-01-25",
    2021: "2021-02-12",
    2022: "2022-02-01",
    2023: "2023-01-22",
    2024: "2024-02-10",
    2025: "2025-01-29",
    2026: "2026-02-17",
    2027: "2027-02-06",
    2028: "2028-01-26",
    2029: "2029-02-13",
    2030: "2030-02-03",
    2031: "2031-01-23",
    2032: "2032-02-11",
    2033: "2033-01-31",
    2034: "2034-02-19",
    2035: "2035-02-08",
}

# (model, price tier): tier scales parts prices and premiums.
MODELS = (
    ("朗逸", 1.0),
    ("宝来", 1.0),
    ("速腾", 1.3),
    ("探岳", 1.5),
    ("迈腾", 1.7),
    ("途观L", 1.8),
    ("帕萨特", 1.7),
    ("ID.4", 1.4),
)


@dataclass(frozen=True)
class StoreParams:
    """The simulated store. Times are in days unless a name says otherwise."""

    # --- the parc
    vehicles: int = 3000  # vehicles sold by the store over the simulated span
    stores: int = 1
    years: int = 3  # years of exports, ending at ``end``
    end: str = "2025-12-31"
    pre_years: float = 4.0  # vehicles sold up to this long before the exports start
    sales_growth: float = 1.5  # sales density ~ t**(growth-1): 1 flat, 2 rising linearly
    km_per_year_median: float = 15000.0
    km_per_year_sigma: float = 0.45  # lognormal spread of personal mileage rates
    second_vehicle_share: float = 0.05  # owners with two vehicles (one customer id)

    # --- service schedule (DOMAIN: 5,000-10,000 km or 6-12 months, whichever first)
    service_km: float = 7500.0
    service_months: float = 12.0
    first_service_km: float = 5000.0
    first_service_months: float = 3.0
    interval_jitter: float = 0.15  # personal timing noise, as a share of the interval
    warranty_years: float = 3.0
    warranty_km: float = 100000.0

    # --- unscheduled work, per vehicle-year
    repair_rate: float = 0.35
    repair_rate_per_age_year: float = 0.06
    body_rate: float = 0.12
    accident_share: float = 0.3  # of body work, accident repairs
    warranty_share_in_warranty: float = 0.6  # of repairs under warranty, paid by the OEM
    internal_share: float = 0.015  # of ROs, the store's own cars
    wash_share: float = 0.02

    # --- arrivals: weights per day of week (Mon..Sun) and per opening hour (8:00..17:00)
    day_weights: tuple[float, ...] = (1.0, 0.95, 0.95, 0.95, 1.0, 1.6, 0.6)
    hour_weights_weekday: tuple[float, ...] = (0.7, 1.8, 2.0, 1.5, 0.6, 0.5, 0.8, 0.9, 0.7, 0.4)
    hour_weights_saturday: tuple[float, ...] = (0.9, 2.6, 2.8, 1.9, 0.8, 0.6, 0.6, 0.5, 0.4, 0.3)
    hour_weights_sunday: tuple[float, ...] = (0.5, 1.2, 1.4, 1.2, 0.6, 0.6, 0.7, 0.6, 0.4, 0.2)
    open_hour: int = 8
    close_hour: int = 18
    cny_rush_days: int = 21  # the rush: these days before the Spring Festival
    cny_pull_days: int = 35  # services due up to this long after it are pulled into the rush
    cny_shift_share: float = 0.75  # share of those (and of holiday-week visits) that come early

    # --- appointments
    appointment_share_start: float = 0.25  # of scheduled visits, in the first year
    appointment_share_end: float = 0.45  # in the last year (linear in between)
    appointment_loyalty_effect: float = 0.08  # per standard deviation of loyalty
    no_show_rate: float = 0.12
    cancel_rate: float = 0.05  # of appointments, cancelled; the visit comes as a walk-in
    no_show_walk_in_later: float = 0.7  # of no-shows, come a few days later anyway

    # --- workshop
    hours_per_technician: float = 7.0  # productive hours a technician gives a day
    target_utilisation: float = 0.85  # the roster is planned for this load on average
    staffing_lag_days: int = 120  # hiring follows growth this late
    technician_turnover: float = 0.12  # per year
    advisors: int = 5
    labor_rate: float = 300.0  # 元 per labour hour
    promise_buffer_hours: float = 1.0  # advisors promise service time + this, queue unseen

    # --- quality
    comeback_rate: float = 0.05  # of repair and warranty ROs, back within 30 days
    careless_every: int = 5  # every n-th technician hired in a shop comes back more often
    careless_factor: float = 2.0  # their comeback factor; the others' keeps the mean at 1
    csi_share: float = 0.35  # of ROs that get a survey
    csi_long_wait_minutes: float = 60.0
    csi_wait_effect: float = -0.8
    csi_late_effect: float = -0.6
    csi_comeback_effect: float = -1.4
    csi_price_effect: float = -0.4
    advisor_upsell_sigma: float = 0.12  # spread of advisors' price factors

    # --- churn: log-odds of leaving within a year, decided when a service falls due (the
    # probability for the decision is scaled to the personal service interval)
    churn_base: float = -3.0
    churn_post_warranty: float = 1.5
    churn_per_age_year: float = 0.08
    churn_loyalty: float = -0.9  # per standard deviation of latent loyalty
    churn_comeback: float = 1.2
    churn_long_wait: float = 0.8
    churn_low_csi: float = 0.8
    churn_high_price: float = 0.9
    experience_memory_days: int = 365  # a bad experience weighs this long
    lapse_share: float = 0.15  # of leavers, come back after a while
    lapse_days: tuple[int, int] = (365, 900)
    first_service_loss: float = 0.05  # new cars never seen for the first service

    # --- insurance
    insured_here_first_year: float = 0.75
    renewal_base: float = 1.2  # log-odds of renewing here
    renewal_loyalty: float = 0.9
    renewal_bad_experience: float = -1.0
    renewal_post_warranty: float = -0.6

    # --- exports
    mess_rate: float = 0.0  # 0 = clean; e.g. 0.002 for bad dates and spoiled phones
    extra: dict[str, float] = field(default_factory=dict)
