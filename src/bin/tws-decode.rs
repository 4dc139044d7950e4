//! `tws-decode`: shows a captured TWS API byte stream as JSON lines.

use std::io::Write;
use std::process::ExitCode;

use tws::inspect::{decode_stream, parse_hex, traced_frames, version_hint, Direction, JsonObject};

const USAGE: &str = "\
usage: tws-decode --server-version V [--direction in|out] (FILE | --hex HEX | -)
       tws-decode --trace TRACE [--server-version V]

Decodes length-prefixed TWS API frames (the bytes that follow the version
handshake) and prints one JSON line per frame:
  {\"offset\":N,\"id\":63,\"name\":\"AccountSummary\",\"form\":\"text\",\"fields\":{...}}
or, for a frame that does not decode, {\"offset\":N,...,\"error\":\"...\"}.

  --server-version V   the version negotiated for the connection (decides the layout)
  --direction in|out   in: server to client (default); out: client to server requests
  --hex HEX            decode these hex digits instead of a file (spaces allowed)
  FILE                 a file of raw frames, e.g. from `tws-sim --capture`; - is stdin
  --trace TRACE        decode the frames a wire trace (Options::trace_file) recorded
                       on its `hex: ` lines (frames that failed to decode, broken
                       frames), each at the version of its connection from the trace
                       (--server-version overrides); lines get \"trace_line\":N
  -h, --help           this text

When frames fail because their message ids are written in the other form than
the version implies (4-byte binary ids from v201 on, text ids below), one
hint on stderr names the likely version range.

Exit status: 0 when every frame decoded, 1 when one did not, 2 on bad usage
or bad input (unreadable file, bad hex digits: the message names the position).";

struct Args {
    server_version: Option<i32>,
    direction: Direction,
    input: Input,
}

enum Input {
    Hex(String),
    File(String),
    Trace(String),
}

fn parse(args: impl IntoIterator<Item = String>) -> Result<Option<Args>, String> {
    let mut server_version = None;
    let mut direction = Direction::In;
    let mut input = None;
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_owned(), Some(v.to_owned())),
            _ => (arg, None),
        };
        let mut value = |name: &str| {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match flag.as_str() {
            "-h" | "--help" => return Ok(None),
            "--server-version" => {
                let v = value("--server-version")?;
                server_version = Some(
                    v.parse::<i32>()
                        .ok()
                        .filter(|n| *n > 0)
                        .ok_or_else(|| format!("bad server version {v:?}"))?,
                );
            }
            "--direction" => {
                let v = value("--direction")?;
                direction = Direction::parse(&v)
                    .ok_or_else(|| format!("bad direction {v:?} (in or out)"))?;
            }
            "--hex" => set_input(&mut input, Input::Hex(value("--hex")?))?,
            "--trace" => set_input(&mut input, Input::Trace(value("--trace")?))?,
            other if other.starts_with("--") => return Err(format!("unknown argument {other:?}")),
            _ => set_input(&mut input, Input::File(flag))?,
        }
    }
    Ok(Some(Args {
        server_version,
        direction,
        input: input.ok_or("give a FILE, -, --hex HEX or --trace TRACE")?,
    }))
}

fn set_input(slot: &mut Option<Input>, input: Input) -> Result<(), String> {
    if slot.replace(input).is_some() {
        return Err("give one input only".into());
    }
    Ok(())
}

fn read_input(input: &Input) -> Result<Vec<u8>, String> {
    match input {
        Input::Hex(hex) => parse_hex(hex),
        Input::File(path) if path == "-" => {
            let mut bytes = Vec::new();
            std::io::Read::read_to_end(&mut std::io::stdin().lock(), &mut bytes)
                .map_err(|e| format!("cannot read stdin: {e}"))?;
            Ok(bytes)
        }
        Input::File(path) | Input::Trace(path) => {
            std::fs::read(path).map_err(|e| format!("cannot read {path}: {e}"))
        }
    }
}

/// `--trace`: the frames of the trace's `hex: ` lines, one JSON line each
/// with `trace_line` first; returns whether all decoded.
fn decode_trace(bytes: &[u8], forced_version: Option<i32>, out: &mut impl Write) -> bool {
    let text = String::from_utf8_lossy(bytes);
    let mut all_ok = true;
    for frame in traced_frames(&text) {
        let version = forced_version.or(frame.server_version);
        let failed = |error: &str| {
            let mut line = JsonObject::new();
            line.int("trace_line", frame.line as i64)
                .str("error", error);
            vec![line.finish()]
        };
        let lines = match (&frame.bytes, version) {
            (Err(e), _) => failed(&format!("bad hex: {e}")),
            (Ok(_), None) => {
                failed("no server version in the trace before this line: give --server-version")
            }
            (Ok(bytes), Some(v)) => decode_stream(bytes, v, Direction::In)
                .into_iter()
                .map(|f| {
                    // Every decoded line is an object: put the trace's fields first.
                    let fields = f.json.strip_prefix('{').unwrap_or(&f.json);
                    format!(
                        "{{\"trace_line\":{},\"server_version\":{v},{fields}",
                        frame.line
                    )
                })
                .collect(),
        };
        all_ok &= lines.iter().all(|l| !l.contains("\"error\":"));
        for line in lines {
            if writeln!(out, "{line}").is_err() {
                return false;
            }
        }
    }
    all_ok
}

fn main() -> ExitCode {
    let args = match parse(std::env::args().skip(1)) {
        Ok(Some(args)) => args,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("tws-decode: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let bytes = match read_input(&args.input) {
        Ok(bytes) => bytes,
        Err(message) => {
            eprintln!("tws-decode: {message}");
            return ExitCode::from(2);
        }
    };
    let mut out = std::io::stdout().lock();
    let server_version = match (&args.input, args.server_version) {
        (Input::Trace(_), forced) => {
            let ok = decode_trace(&bytes, forced, &mut out);
            return ExitCode::from(u8::from(!ok));
        }
        (_, Some(v)) => v,
        (_, None) => {
            eprintln!("tws-decode: --server-version is required\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let frames = decode_stream(&bytes, server_version, args.direction);
    for frame in &frames {
        if writeln!(out, "{}", frame.json).is_err() {
            return ExitCode::from(1);
        }
    }
    if frames.iter().all(|f| f.ok) {
        return ExitCode::SUCCESS;
    }
    if let Some(hint) = version_hint(&bytes, server_version) {
        eprintln!("tws-decode: hint: {hint}");
    }
    ExitCode::from(1)
}
