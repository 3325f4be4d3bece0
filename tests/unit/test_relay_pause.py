"""The relay's pause between rounds (workers.relay.next_pause)."""

from workers.relay import BUSY_FACTOR, BUSY_RATE, RELAY_LIMIT, next_pause

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
