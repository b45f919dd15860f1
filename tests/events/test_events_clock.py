"""Timestamp formats agree with each other for any instant (written out without the C locale)."""

from __future__ import annotations

from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lambda_nb.events import _clock

instants = st.datetimes(
    min_value=datetime(1971, 1, 1),
    max_value=datetime(2199, 12, 31),
    timezones=st.just(timezone.utc),
).map(lambda d: d.replace(microsecond=d.microsecond // 1000 * 1000))


# No deadline and no too_slow health check: on a loaded machine one example may take longer
# than Hypothesis's default 200 ms without anything being wrong.
@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instants)
def test_formats_agree(dt: datetime) -> None:
    ms = _clock.epoch_ms(dt)
    assert datetime.fromtimestamp(ms / 1000, timezone.utc) == dt
    assert _clock.epoch_s(dt) == ms // 1000
    assert _clock.epoch_s_float(dt) == ms / 1000
    assert datetime.strptime(_clock.iso_ms(dt), "%Y-%m-%dT%H:%M:%S.%f%z") == dt
    assert datetime.strptime(_clock.iso_s(dt), "%Y-%m-%dT%H:%M:%S%z") == dt.replace(microsecond=0)
    assert datetime.strptime(_clock.clf(dt), "%d/%b/%Y:%H:%M:%S %z") == dt.replace(microsecond=0)
    assert parsedate_to_datetime(_clock.rfc2822(dt)) == dt.replace(microsecond=0)
