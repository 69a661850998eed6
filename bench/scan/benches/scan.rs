//! Each walker on each body, timed by criterion: `cargo bench` here (in bench/scan), filter with
//! e.g. `-- realistic-known-1KiB`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use webhook_guard_scan_bench::{WALKERS, bodies};

fn walkers(c: &mut Criterion) {
    for (body_name, body) in bodies() {
        let mut group = c.benchmark_group(format!("scan/{body_name}"));
        group.throughput(Throughput::Bytes(body.len() as u64));
        for (name, walker) in WALKERS {
            group.bench_function(name, |b| {
                b.iter(|| {
                    let mut total = 0;
                    let ok = walker(black_box(body.as_bytes()), &mut |i, value| {
                        total += i + value.len()
                    });
                    black_box((ok, total))
                })
            });
        }
        group.finish();
    }
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(20)
}

criterion_group! {
    name = benches;
    config = config();
    targets = walkers
}
criterion_main!(benches);
