"""The relay's pause between rounds (workers.relay.next_pause)."""

from workers.relay import BUSY_EVENTS, BUSY_FACTOR, RELAY_LIMIT, next_pause

POLL = 0.02


def test_an_ordinary_round_waits_one_poll():
    assert next_pause(0, 0, POLL, POLL) == POLL
    assert next_pause(BUSY_EVENTS - 1, 0, POLL, POLL) == POLL


def test_a_busy_round_waits_longer_to_carry_more_next_time():
    assert next_pause(BUSY_EVENTS, 0, POLL, POLL) == POLL * BUSY_FACTOR


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
