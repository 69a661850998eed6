//! Runs one walker `N` times on one body inside `measured`, a function never inlined, so
//! `valgrind --tool=callgrind --toggle-collect='*measured*'` counts exactly the walks
//! (`bench/scan.sh`); `check` compares every walker's verdict and fields with the library's walk
//! on every body and on hostile ones.
//!
//!     webhook-guard-scan-bench list                  # walker and body names
//!     webhook-guard-scan-bench check
//!     webhook-guard-scan-bench dump <body>           # the body's text
//!     webhook-guard-scan-bench <walker> <body> <N>

use std::hint::black_box;

use webhook_guard_scan_bench::{WALKERS, Walker, bodies, outcome};

#[inline(never)]
fn measured(walker: Walker, body: &[u8], count: usize) -> usize {
    let mut total = 0;
    for _ in 0..count {
        let ok = walker(black_box(body), &mut |i, value| total += i + value.len());
        total += usize::from(ok);
    }
    total
}

/// Bodies every walker must judge as the library's walk does.
fn hostile() -> Vec<String> {
    let deep = format!("{{\"a\":{}1{}}}", "[".repeat(300), "]".repeat(300));
    [
        "{}",
        " {\"id\":\"a\"} ",
        "{\"id\":\"a\",\"id\":\"b\"}",
        "{\"id\":\"\\u00e9\"}",
        "{\"id\":\"\\ud800\"}",
        "{\"a\":\"\\ud800\"}",
        "{\"a\":\"\\u12\"}",
        "{\"a\":\"\\x\"}",
        "{\"a\":\"tab\there\"}",
        "{\"a\":01}",
        "{\"a\":1.}",
        "{\"a\":1e}",
        "{\"a\":-}",
        "{\"a\":1e400}",
        "{\"a\":123456789012345678901234567890}",
        "{\"a\":1,}",
        "{\"a\":[1,]}",
        "{\"a\":tru}",
        "{\"a\":1} x",
        "{\"a\":1}}",
        "[]",
        "",
        "{",
        "{\"a\":[}",
        "{\"a\":\"unterminated}",
        "{\"i\\u0064\":\"x\"}",
        &deep,
    ]
    .into_iter()
    .map(String::from)
    .chain(["{\"a\":\"\u{ff}\"}".to_owned()])
    .collect()
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let bodies = bodies();
    match args.as_slice() {
        [list] if list == "list" => {
            for (name, _) in WALKERS {
                println!("walker {name}");
            }
            for (name, body) in &bodies {
                println!("body {name} {}", body.len());
            }
        }
        [dump, name] if dump == "dump" => {
            print!(
                "{}",
                bodies
                    .iter()
                    .find(|(n, _)| n == name)
                    .expect("a body from `list`")
                    .1
            );
        }
        [check] if check == "check" => {
            let mut texts: Vec<Vec<u8>> =
                bodies.iter().map(|(_, b)| b.clone().into_bytes()).collect();
            texts.extend(hostile().into_iter().map(String::into_bytes));
            texts.push(b"{\"a\":\"\xff\"}".to_vec());
            for (name, walker) in WALKERS {
                let differ: Vec<_> = texts
                    .iter()
                    .filter(|text| outcome(walker, text) != outcome(WALKERS[0].1, text))
                    .map(|text| String::from_utf8_lossy(&text[..text.len().min(60)]).into_owned())
                    .collect();
                println!(
                    "{name}: {} of {} differ from the walk {differ:?}",
                    differ.len(),
                    texts.len()
                );
            }
        }
        [walker, body, count] => {
            let count: usize = count.parse().expect("N: a number");
            let walker = WALKERS
                .iter()
                .find(|(n, _)| n == walker)
                .expect("a walker from `list`")
                .1;
            let body = &bodies
                .iter()
                .find(|(n, _)| n == body)
                .expect("a body from `list`")
                .1;
            println!("{}", measured(walker, body.as_bytes(), count));
        }
        _ => {
            eprintln!("usage: webhook-guard-scan-bench list | check | <walker> <body> <N>");
            std::process::exit(2);
        }
    }
}
