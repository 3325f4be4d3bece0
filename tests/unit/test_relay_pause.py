"""The relay's pause between rounds (workers.relay.next_pause) and its hold on a queue whose
workers lag (workers.relay.QueueHold)."""

import pytest

from workers import NORMAL_QUEUE, URGENT_QUEUE
from workers.relay import (
    BUSY_FACTOR,
    BUSY_RATE,
    LAG_HOLD,
    LAG_TASKS,
    NOTHING,
    RELAY_LIMIT,
    QueueHold,
    next_pause,
)

POLL = 0.02


def test_an_ordinary_round_waits_one_poll():
    assert next_pause(0, 0, POLL, POLL) == POLL
    assert next_pause(2, 0, POLL, POLL) == POLL  # 100/s
    assert next_pause(1, 0, POLL, 0.0) == POLL  # after a full round


def test_a_busy_round_waits_longer_to_carry_more_next_time():
    assert BUSY_RATE * POLL == 3
    assert next_pause(4, 0, POLL, POLL) == POLL * BUSY_FACTOR  # 200/s
    # ... and stays busy while the rate holds: 12 events in the longer pause
    assert next_pause(12, 0, POLL, POLL * BUSY_FACTOR) == POLL * BUSY_FACTOR
    # the rate falls (100/s): back to one poll
    assert next_pause(6, 0, POLL, POLL * BUSY_FACTOR) == POLL


def test_a_full_round_goes_on_at_once():
    assert next_pause(RELAY_LIMIT, 0, POLL, POLL) == 0


def test_failures_double_the_pause_up_to_five_seconds_and_recovery_resets_it():
    pause = POLL
    seen = []
    for _ in range(12):
        pause = next_pause(0, 3, POLL, pause)
        seen.append(pause)
    assert seen[:3] == [POLL * 2, POLL * 4, POLL * 8] and seen[-1] == 5.0
    assert next_pause(0, 3, POLL, 0.0) == POLL * 2  # after a full round
    assert next_pause(1, 0, POLL, 5.0) == POLL


class _Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


class _Redis:
    """Stands in for the broker: the tasks waiting per queue."""

    def __init__(self, waiting):
        self.waiting, self.asked = waiting, []

    def pipeline(self, transaction):
        self.asked = []
        return self

    def llen(self, name):
        self.asked.append(name)

    def execute(self):
        return [self.waiting.get(name, 0) for name in self.asked]


def _hold(waiting):
    clock = _Clock()
    hold = QueueHold(None, clock)
    hold.redis = _Redis(waiting)
    return hold, clock


def test_a_queue_whose_tasks_wait_is_held_and_the_urgent_one_is_not():
    hold, clock = _hold({NORMAL_QUEUE: 3, URGENT_QUEUE: 1})
    assert hold.claimable() is None  # nothing held: every event
    hold.after_round({NORMAL_QUEUE, URGENT_QUEUE})
    # counted at the next round: three normal tasks wait (a lag), one urgent (a busy worker)
    assert hold.claimable() is True  # the urgent ones only, at the usual pace
    assert hold.wait(POLL) == POLL
    clock.now += LAG_HOLD
    assert hold.claimable() is None


def test_one_task_waiting_is_no_lag():
    hold, _ = _hold({NORMAL_QUEUE: LAG_TASKS - 1, URGENT_QUEUE: LAG_TASKS - 1})
    hold.after_round({NORMAL_QUEUE, URGENT_QUEUE})
    assert hold.claimable() is None


def test_both_queues_held_the_relay_sleeps_until_the_first_is_due():
    hold, clock = _hold({NORMAL_QUEUE: 2, URGENT_QUEUE: 2})
    hold.after_round({URGENT_QUEUE})
    assert hold.claimable() is False  # the urgent queue is held
    clock.now += 0.1
    hold.after_round({NORMAL_QUEUE})
    assert hold.claimable() is NOTHING
    assert hold.wait(POLL * 100) == pytest.approx(LAG_HOLD - 0.1)
    clock.now += LAG_HOLD - 0.1
    assert hold.claimable() is True


def test_queues_that_keep_up_or_another_broker_hold_nothing():
    hold, _ = _hold({})
    hold.after_round({NORMAL_QUEUE, URGENT_QUEUE})
    assert hold.claimable() is None
    plain = QueueHold("sqla+sqlite:///broker.sqlite")
    assert plain.redis is None
    plain.after_round({NORMAL_QUEUE})
    assert plain.claimable() is None
