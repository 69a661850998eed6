//! Writes the seed corpus (`webhook_guard_fuzz::seeds`) to `fuzz/corpus/<target>/<name>`.

use std::path::Path;

fn main() -> std::io::Result<()> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    for (target, name, bytes) in webhook_guard_fuzz::seeds() {
        let dir = root.join(target);
        std::fs::create_dir_all(&dir)?;
        std::fs::write(dir.join(name), bytes)?;
    }
    println!("seeds written to {}", root.display());
    Ok(())
}
