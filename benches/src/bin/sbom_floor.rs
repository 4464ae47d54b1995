//! The decompression floor for SBOM generation: the time to only decompress an image's
//! layers, with the decompressor `sigchain-sbom` uses (flate2 on the zlib-rs backend), each
//! layer streamed from disk into a sink. No cataloger can be faster than reading its input, so
//! `sigchain sbom` on an image is judged against this (issue 9: within 1.5×).
//!
//! ```text
//! sbom_floor OCI_LAYOUT_DIR [--runs N] [--tag TAG]
//! ```
//!
//! Prints one JSON object: per layer its digest, media type, compressed and decompressed
//! sizes and the median time over the runs; the largest layer's time (the floor when layers
//! are read in parallel on enough cores) and all layers one after another on one thread.
//! Uncompressed layers are read through the same sink; zstd layers are reported, not timed.
//! Each time comes with the thread's CPU time (`*cpu*`), steadier than wall time when other
//! work shares the machine.

#![forbid(unsafe_code)]

use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use flate2::read::MultiGzDecoder;
use serde_json::{json, Value};

/// Blob reads go through a buffer this size, as a streaming layer reader would.
const READ_BUFFER: usize = 256 * 1024;

fn main() -> ExitCode {
    match run() {
        Ok(summary) => {
            println!("{summary:#}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("sbom_floor: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<Value, String> {
    let mut args = std::env::args().skip(1);
    let mut layout: Option<PathBuf> = None;
    let mut runs = 5usize;
    let mut tag: Option<String> = None;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--runs" => {
                runs = args
                    .next()
                    .and_then(|n| n.parse().ok())
                    .filter(|&n| n > 0)
                    .ok_or("--runs needs a positive number")?;
            }
            "--tag" => tag = Some(args.next().ok_or("--tag needs a value")?),
            _ if layout.is_none() => layout = Some(PathBuf::from(arg)),
            _ => return Err(format!("unexpected argument {arg}")),
        }
    }
    let layout = layout.ok_or("usage: sbom_floor OCI_LAYOUT_DIR [--runs N] [--tag TAG]")?;
    let layers = manifest_layers(&layout, tag.as_deref())?;

    let mut per_layer = Vec::new();
    let mut medians = Vec::new();
    for (digest, media_type) in &layers {
        let blob = blob_path(&layout, digest)?;
        let compressed = std::fs::metadata(&blob)
            .map_err(|e| format!("{}: {e}", blob.display()))?
            .len();
        let codec = Codec::of(media_type);
        if codec == Codec::Zstd {
            per_layer.push(json!({"digest": digest, "media_type": media_type,
                "compressed_bytes": compressed, "skipped": "zstd is not timed here"}));
            continue;
        }
        let mut times = Vec::with_capacity(runs);
        let mut cpu = Vec::with_capacity(runs);
        let mut out_bytes = 0;
        for _ in 0..runs {
            let (started, cpu_started) = (Instant::now(), thread_cpu_s());
            out_bytes = drain(&blob, codec).map_err(|e| format!("{}: {e}", blob.display()))?;
            times.push(started.elapsed().as_secs_f64());
            cpu.push(thread_cpu_s() - cpu_started);
        }
        let median_s = median(&mut times);
        medians.push((median_s, median(&mut cpu)));
        per_layer.push(json!({"digest": digest, "media_type": media_type,
            "compressed_bytes": compressed, "decompressed_bytes": out_bytes,
            "median_s": median_s, "min_s": times[0], "cpu_median_s": median(&mut cpu)}));
    }

    // All layers one after another, timed as one unit per run.
    let mut sequential = Vec::with_capacity(runs);
    let mut sequential_cpu = Vec::with_capacity(runs);
    for _ in 0..runs {
        let (started, cpu_started) = (Instant::now(), thread_cpu_s());
        for (digest, media_type) in &layers {
            let codec = Codec::of(media_type);
            if codec == Codec::Zstd {
                continue;
            }
            let blob = blob_path(&layout, digest)?;
            drain(&blob, codec).map_err(|e| format!("{}: {e}", blob.display()))?;
        }
        sequential.push(started.elapsed().as_secs_f64());
        sequential_cpu.push(thread_cpu_s() - cpu_started);
    }
    // The largest layer by wall time; its CPU time alongside.
    let largest = medians
        .iter()
        .copied()
        .fold((0.0, 0.0), |a, b| if b.0 > a.0 { b } else { a });
    Ok(json!({
        "layout": layout.display().to_string(),
        "decompressor": "flate2 (zlib-rs backend)",
        "runs": runs,
        "layers": per_layer,
        "largest_layer_s": largest.0,
        "largest_layer_cpu_s": largest.1,
        "all_layers_sequential_s": median(&mut sequential),
        "all_layers_sequential_cpu_s": median(&mut sequential_cpu),
    }))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Codec {
    Gzip,
    Zstd,
    Plain,
}

impl Codec {
    fn of(media_type: &str) -> Codec {
        if media_type.ends_with("gzip") {
            Codec::Gzip
        } else if media_type.ends_with("zstd") {
            Codec::Zstd
        } else {
            Codec::Plain
        }
    }
}

/// Streams one blob (decompressed when gzip) into a sink; returns the bytes that came out.
fn drain(blob: &Path, codec: Codec) -> io::Result<u64> {
    let file = BufReader::with_capacity(READ_BUFFER, File::open(blob)?);
    let mut reader: Box<dyn Read> = match codec {
        Codec::Gzip => Box::new(MultiGzDecoder::new(file)),
        Codec::Plain | Codec::Zstd => Box::new(file),
    };
    io::copy(&mut reader, &mut io::sink())
}

/// The (digest, media type) of each layer of the image the layout's index names.
fn manifest_layers(layout: &Path, tag: Option<&str>) -> Result<Vec<(String, String)>, String> {
    let index = read_json(&layout.join("index.json"))?;
    let manifests = index["manifests"]
        .as_array()
        .ok_or("index.json has no manifests")?;
    let chosen = match tag {
        None => manifests.first(),
        Some(tag) => manifests
            .iter()
            .find(|m| m["annotations"]["org.opencontainers.image.ref.name"].as_str() == Some(tag)),
    }
    .ok_or("no matching manifest in index.json")?;
    let digest = chosen["digest"]
        .as_str()
        .ok_or("manifest entry without digest")?;
    let manifest = read_json(&blob_path(layout, digest)?)?;
    let layers = manifest["layers"]
        .as_array()
        .ok_or("manifest has no layers (an index?)")?;
    layers
        .iter()
        .map(|l| {
            let digest = l["digest"].as_str().ok_or("layer without digest")?;
            let media_type = l["mediaType"].as_str().unwrap_or_default();
            Ok((digest.to_owned(), media_type.to_owned()))
        })
        .collect()
}

fn blob_path(layout: &Path, digest: &str) -> Result<PathBuf, String> {
    let (algorithm, hex) = digest
        .split_once(':')
        .ok_or_else(|| format!("malformed digest {digest}"))?;
    let well_formed = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric());
    if !well_formed(algorithm) || !well_formed(hex) {
        return Err(format!("malformed digest {digest}"));
    }
    Ok(layout.join("blobs").join(algorithm).join(hex))
}

fn read_json(path: &Path) -> Result<Value, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_slice(&bytes).map_err(|e| format!("{}: {e}", path.display()))
}

/// CPU time of this thread so far, from the scheduler's nanosecond counter (Linux); NaN
/// elsewhere. On a machine busy with other work, CPU time stays close to the idle wall time.
fn thread_cpu_s() -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        .map_or(f64::NAN, |ns| ns as f64 / 1e9)
}

fn median(times: &mut [f64]) -> f64 {
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}
