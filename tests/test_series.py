"""helpers.data.load_series: the real CO2 series of notebook 17, complete and weekly."""

import numpy as np
import pytest

from helpers import data


@pytest.fixture(scope="module")
def co2():
    pytest.importorskip("statsmodels")
    return data.load_series("co2")


def test_an_unknown_series_is_refused_naming_the_known_ones():
    with pytest.raises(ValueError, match=r"unknown series 'sunspots'.*known series are: co2"):
        data.load_series("sunspots")
    with pytest.raises(ValueError, match="unknown series"):
        data.load_series(None)


def test_co2_has_every_week_from_1958_to_2001(co2):
    assert len(co2.values) == len(co2.dates) == len(co2.filled) == 2284
    assert co2.dates[0] == np.datetime64("1958-03-29") and co2.dates[-1] == np.datetime64("2001-12-29")
    assert co2.values.dtype == np.float64 and co2.dates.dtype == np.dtype("datetime64[D]")


def test_co2_has_no_nan_after_interpolation_and_says_how_many_were_filled(co2):
    assert not np.isnan(co2.values).any()
    assert co2.filled.sum() == 59
    assert "59 missing weeks" in co2.source
    # a filled week lies between its neighbours' values (linear interpolation, never extrapolated)
    inside = np.flatnonzero(co2.filled[1:-1]) + 1
    for k in inside:
        before = co2.values[:k][~co2.filled[:k]][-1]
        after = co2.values[k + 1 :][~co2.filled[k + 1 :]][0]
        assert min(before, after) - 1e-9 <= co2.values[k] <= max(before, after) + 1e-9


def test_co2_is_weekly_and_in_a_plausible_range(co2):
    assert set(np.diff(co2.dates).astype(int)) == {7}
    assert 310 < co2.values.min() and co2.values.max() < 380, "ppm of CO2 at Mauna Loa, 1958-2001"
    assert co2.values[-52:].mean() > co2.values[:52].mean() + 50, "the rise of CO2 over four decades"
