//! The machine's side: FFmpeg and a worker process, free disk space, the listen address.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::{Check, Status};
use crate::config::Settings;
use crate::media::{ClipSpec, Reply, Request, WorkerPool};

/// Below this much free space, action is needed: preparation and uploads will fail.
const LOW_SPACE: u64 = 1 << 30;
/// Below this, a warning.
const SOME_SPACE: u64 = 5 << 30;

/// Starts one worker, has it encode a one-second clip with FFmpeg and probe it back.
pub fn worker(settings: &Settings, exe: &Path) -> Check {
    let id = "ffmpeg_worker";
    let program = crate::media::pool::worker_beside(exe);
    if !program.is_file() {
        return Check::new(
            id,
            Status::Action,
            "找不到媒体工作程序 dianjiao-worker：影片无法入库和转码。请把它和 dianjiao 装在同一个目录里（见 deploy/dianjiao.service）。",
            format!("{} is missing", program.display()),
        );
    }
    let dir = std::env::temp_dir().join(format!("dianjiao-doctor-{}", std::process::id()));
    let result = encode_and_probe(settings, exe, &dir);
    let _ = std::fs::remove_dir_all(&dir);
    match result {
        Ok(detail) => Check::new(
            id,
            Status::Ok,
            "FFmpeg 库已加载，媒体工作进程能启动、能编码和读取视频。",
            detail,
        ),
        Err(detail) => Check::new(
            id,
            Status::Action,
            "媒体工作进程不能正常工作：影片无法入库和转码。请重新运行 deploy/bootstrap.sh 安装 FFmpeg 库。",
            detail,
        ),
    }
}

fn encode_and_probe(settings: &Settings, exe: &Path, dir: &Path) -> Result<String, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot make {}: {e}", dir.display()))?;
    let mut cfg = crate::app::pool_config(settings, exe.to_owned());
    cfg.size = 1;
    let worker = cfg.exe.clone();
    let pool =
        WorkerPool::start(cfg).map_err(|e| format!("cannot start `{}`: {e}", worker.display()))?;
    let out = dir.join("check.mp4");
    let spec = ClipSpec {
        width: 64,
        height: 36,
        fps: 25,
        duration_s: 1.0,
        video: true,
        audio: true,
        container: "mp4".into(),
        title: None,
        seed: 1,
    };
    match pool.call(&Request::Synth {
        spec,
        out: out.clone(),
    }) {
        Reply::Done => {}
        other => {
            return Err(format!(
                "the worker could not encode a test clip: {other:?}"
            ))
        }
    }
    match pool.call(&Request::Probe { path: out }) {
        Reply::Probed { report } => Ok(format!(
            "a worker encoded and probed a 1 s H.264/AAC clip: {} streams, {:.1} s ({})",
            report.media.streams.len(),
            report.media.duration_s,
            report.media.container
        )),
        other => Err(format!(
            "the worker could not probe its test clip: {other:?}"
        )),
    }
}

/// Free space where the data folder and each library folder live.
pub fn disk_space(settings: &Settings) -> Vec<Check> {
    let mut places = vec![("data", settings.data.clone())];
    places.extend(settings.library.iter().map(|l| ("library", l.clone())));
    places
        .into_iter()
        .map(|(what, path)| space_check(what, &path))
        .collect()
}

fn space_check(what: &str, path: &Path) -> Check {
    let id = format!("disk:{}", path.display());
    let place = if what == "data" {
        "数据文件夹"
    } else {
        "片库文件夹"
    };
    let probe = existing_ancestor(path);
    let stat = match rustix::fs::statvfs(&probe) {
        Ok(s) => s,
        Err(e) => {
            return Check::new(
                id,
                Status::Action,
                format!("无法查看{place}所在磁盘的剩余空间。"),
                format!("statvfs {}: {e}", probe.display()),
            )
        }
    };
    let free = stat.f_bavail.saturating_mul(stat.f_frsize);
    let total = stat.f_blocks.saturating_mul(stat.f_frsize);
    let detail = format!("{}: {} free of {}", path.display(), gib(free), gib(total));
    if free < LOW_SPACE {
        let summary =
            format!("{place}所在磁盘几乎满了：新影片、转码和上传会失败，请清理或换更大的磁盘。");
        Check::new(id, Status::Action, summary, detail)
    } else if free < SOME_SPACE {
        let summary = format!("{place}所在磁盘剩余空间不多，请留意。");
        Check::new(id, Status::Warn, summary, detail)
    } else {
        Check::new(id, Status::Ok, format!("{place}所在磁盘空间充足。"), detail)
    }
}

fn gib(bytes: u64) -> String {
    format!("{:.1} GiB", bytes as f64 / f64::from(1u32 << 30))
}

/// The path itself, or the nearest folder above it that exists (the data folder may not
/// exist before the first start).
fn existing_ancestor(path: &Path) -> PathBuf {
    let mut p = path.to_owned();
    while !p.exists() {
        match p.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => p = parent.to_owned(),
            _ => return PathBuf::from("."),
        }
    }
    p
}

/// The listen address: free to bind, or held by a dianjiao that answers `/healthz`.
pub fn listen(settings: &Settings) -> Check {
    let id = "listen";
    let addr = match settings.listen.to_socket_addrs().map(|mut a| a.next()) {
        Ok(Some(a)) => a,
        _ => {
            let summary =
                "监听地址写得不对，服务器无法启动。请改正设置中的 listen（例如 0.0.0.0:8080）。";
            return Check::new(
                id,
                Status::Action,
                summary,
                format!("listen = {:?} is not an address:port", settings.listen),
            );
        }
    };
    match TcpListener::bind(addr) {
        Ok(_) => Check::new(
            id,
            Status::Ok,
            "监听地址可用（服务器未在运行，启动后电视和办公室可以访问）。",
            format!("{addr} can be bound"),
        ),
        Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => match healthz(addr) {
            Ok(()) => Check::new(
                id,
                Status::Ok,
                "服务器正在运行，并在监听地址上正常应答。",
                format!("{addr}: GET /healthz answered 200 ok"),
            ),
            Err(why) => Check::new(
                id,
                Status::Action,
                "监听端口被别的程序占用，服务器无法启动。请换一个端口，或停掉占用它的程序。",
                format!("{addr} is in use and does not answer as dianjiao: {why}"),
            ),
        },
        Err(e) => Check::new(
            id,
            Status::Action,
            "无法在监听地址上监听（地址不属于本机，或端口需要特权）。请改正设置中的 listen。",
            format!("bind {addr}: {e}"),
        ),
    }
}

/// `GET /healthz` over plain HTTP/1.0; a wildcard address is asked on loopback.
fn healthz(addr: SocketAddr) -> Result<(), String> {
    let mut target = addr;
    if target.ip().is_unspecified() {
        target.set_ip(match addr {
            SocketAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
            SocketAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
        });
    }
    let timeout = Duration::from_secs(3);
    let mut stream = TcpStream::connect_timeout(&target, timeout).map_err(|e| e.to_string())?;
    stream
        .set_read_timeout(Some(timeout))
        .map_err(|e| e.to_string())?;
    stream
        .write_all(b"GET /healthz HTTP/1.0\r\nHost: localhost\r\n\r\n")
        .map_err(|e| e.to_string())?;
    let mut answer = Vec::new();
    let _ = stream.take(4096).read_to_end(&mut answer);
    let text = String::from_utf8_lossy(&answer);
    if text.starts_with("HTTP/1.") && text.contains(" 200 ") && text.ends_with("ok") {
        Ok(())
    } else {
        Err(format!("answered {:?}", text.lines().next().unwrap_or("")))
    }
}
