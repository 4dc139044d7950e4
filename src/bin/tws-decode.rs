//! `tws-decode`: shows a captured TWS API byte stream as JSON lines.

use std::io::Write;
use std::process::ExitCode;

use tws::inspect::{decode_stream, parse_hex, Direction};

const USAGE: &str = "\
usage: tws-decode --server-version V [--direction in|out] (FILE | --hex HEX | -)

Decodes length-prefixed TWS API frames (the bytes that follow the version
handshake) and prints one JSON line per frame:
  {\"offset\":N,\"id\":63,\"name\":\"AccountSummary\",\"form\":\"text\",\"fields\":{...}}
or, for a frame that does not decode, {\"offset\":N,...,\"error\":\"...\"}.

  --server-version V   the version negotiated for the connection (decides the layout)
  --direction in|out   in: server to client (default); out: client to server requests
  --hex HEX            decode these hex digits instead of a file (spaces allowed)
  FILE                 a file of raw frames, e.g. from `tws-sim --capture`; - is stdin
  -h, --help           this text

Exit status: 0 when every frame decoded, 1 when one did not, 2 on bad usage.";

struct Args {
    server_version: i32,
    direction: Direction,
    input: Input,
}

enum Input {
    Hex(String),
    File(String),
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
            other if other.starts_with("--") => return Err(format!("unknown argument {other:?}")),
            _ => set_input(&mut input, Input::File(flag))?,
        }
    }
    Ok(Some(Args {
        server_version: server_version.ok_or("--server-version is required")?,
        direction,
        input: input.ok_or("give a FILE, - or --hex HEX")?,
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
        Input::File(path) => std::fs::read(path).map_err(|e| format!("cannot read {path}: {e}")),
    }
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
    let frames = decode_stream(&bytes, args.server_version, args.direction);
    let mut out = std::io::stdout().lock();
    for frame in &frames {
        if writeln!(out, "{}", frame.json).is_err() {
            return ExitCode::from(1);
        }
    }
    if frames.iter().all(|f| f.ok) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
