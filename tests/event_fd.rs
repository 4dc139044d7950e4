//! The readiness descriptor never loses a wake-up: a consumer that sleeps in
//! poll(2) on it and then drains the queue sees every event of a flood,
//! without ever sleeping through waiting events.

use std::time::{Duration, Instant};

use tws::client::{Client, Event, Options};
use tws::protocol::Incoming;
use tws::sim::{self, Faults, SimConfig};

#[test]
fn a_poll_loop_on_the_event_fd_sees_every_row_of_a_flood() {
    const ROWS: u32 = 50_000;
    let sim = sim::start(SimConfig {
        faults: Faults {
            flood: Some(ROWS),
            ..Faults::default()
        },
        quiet: true,
        ..SimConfig::default()
    })
    .unwrap();
    let client = Client::new(Options {
        queue_capacity: 64,
        ..Options::default()
    })
    .unwrap();
    client
        .connect("127.0.0.1", sim.port(), 1, Duration::from_secs(5))
        .unwrap();
    let fd = client.event_fd().unwrap();
    client
        .req_account_summary(1, "All", "NetLiquidation")
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut rows = 0u32;
    let mut stalls = 0;
    'outer: while Instant::now() < deadline {
        let mut pfd = libc::pollfd {
            fd,
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: one valid pollfd, count 1; poll(2) only writes `revents`.
        let ready = unsafe { libc::poll(&mut pfd, 1, 2_000) };
        if ready == 0 {
            // Asleep for 2 s: only right if nothing is waiting.
            if client.stats().queue_len > 0 {
                stalls += 1;
            }
        }
        while let Some(e) = client.poll(Duration::ZERO).unwrap() {
            match e {
                Event::Message(Incoming::AccountSummary(_)) => rows += 1,
                Event::Message(Incoming::AccountSummaryEnd(_)) => break 'outer,
                _ => {}
            }
        }
    }
    assert_eq!(stalls, 0, "poll(2) slept while events were waiting");
    assert!(rows >= ROWS, "only {rows} of {ROWS} rows");
}

/// Whether the descriptor is readable now (poll(2) with a 0 timeout).
fn readable(fd: i32, wait_ms: i32) -> bool {
    let mut pfd = libc::pollfd {
        fd,
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: one valid pollfd, count 1; poll(2) only writes `revents`.
    unsafe { libc::poll(&mut pfd, 1, wait_ms) == 1 }
}

/// A level-triggered loop: wake on readability, drain with poll(0). The
/// descriptor may be readable with nothing to take at most once in a row
/// (a producer's byte that arrived after the drain, read by the next poll),
/// never again and again (a spin at 100 % CPU), and once every event is
/// taken it is quiet.
#[test]
fn a_level_triggered_loop_never_spins_and_the_fd_is_quiet_when_drained() {
    const ROWS: u32 = 50_000;
    let sim = sim::start(SimConfig {
        faults: Faults {
            flood: Some(ROWS),
            ..Faults::default()
        },
        quiet: true,
        ..SimConfig::default()
    })
    .unwrap();
    let client = Client::new(Options {
        queue_capacity: 16,
        ..Options::default()
    })
    .unwrap();
    client
        .connect("127.0.0.1", sim.port(), 1, Duration::from_secs(5))
        .unwrap();
    let fd = client.event_fd().unwrap();
    client
        .req_account_summary(1, "All", "NetLiquidation")
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let (mut rows, mut empty_wakes_in_a_row, mut most_in_a_row) = (0u32, 0u32, 0u32);
    let mut ended = false;
    while !ended && Instant::now() < deadline {
        if !readable(fd, 2_000) {
            continue;
        }
        let mut took = 0;
        while let Some(e) = client.poll(Duration::ZERO).unwrap() {
            took += 1;
            match e {
                Event::Message(Incoming::AccountSummary(_)) => rows += 1,
                Event::Message(Incoming::AccountSummaryEnd(_)) => ended = true,
                _ => {}
            }
        }
        if took == 0 {
            empty_wakes_in_a_row += 1;
            most_in_a_row = most_in_a_row.max(empty_wakes_in_a_row);
            assert!(
                most_in_a_row < 1000,
                "the descriptor stays readable: a spin"
            );
        } else {
            empty_wakes_in_a_row = 0;
        }
    }
    assert!(ended && rows >= ROWS, "only {rows} of {ROWS} rows");
    assert!(
        most_in_a_row <= 1,
        "{most_in_a_row} empty wake-ups in a row"
    );
    // Everything taken: one more poll settles a late byte, then it is quiet.
    assert!(client.poll(Duration::ZERO).unwrap().is_none());
    assert!(!readable(fd, 0), "readable with an empty queue");
}
