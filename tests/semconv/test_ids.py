"""FluxLoop ids from OTel ids: UUID text, span id readable inside, workflow roots recognisable."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fluxloop_otel.semconv.ids import observation_uuid, trace_id_from_uuid, trace_uuid, workflow_root_span_id

trace_ids = st.integers(min_value=1, max_value=(1 << 128) - 1)
span_ids = st.integers(min_value=1, max_value=(1 << 64) - 1)


@given(trace_ids, span_ids)
def test_ids_are_uuid_text_with_the_span_id_inside(trace_id: int, span_id: int) -> None:
    assert trace_uuid(trace_id) == str(uuid.UUID(int=trace_id))
    observation = observation_uuid(trace_id, span_id)
    assert observation == str(uuid.UUID(int=((trace_id >> 64) << 64) | span_id))
    assert observation.replace("-", "")[16:] == f"{span_id:016x}"
    assert trace_id_from_uuid(trace_uuid(trace_id)) == trace_id
    assert trace_id_from_uuid(f"{trace_id:032x}") == trace_id


@given(trace_ids)
def test_workflow_root_span_id_is_a_valid_span_id(trace_id: int) -> None:
    assert 0 < workflow_root_span_id(trace_id) < (1 << 64)


@pytest.mark.parametrize("bad", ["", "xyz", "00000000-0000-0000-0000-000000000000", 0, -1, 1 << 128])
def test_bad_trace_ids_are_rejected(bad: object) -> None:
    with pytest.raises(ValueError):
        trace_id_from_uuid(bad)  # type: ignore[arg-type]
