//! Which network sockets a process opens: the no-network tests run the CLI and the app under
//! `strace -f` (every thread and child process, WebKit's included) tracing `socket` and `connect`,
//! then list the calls on an internet address family. Local sockets (X11, D-Bus, the app's own
//! IPC: `AF_UNIX`; netlink) are not network access and are allowed.

use std::path::{Path, PathBuf};
use std::process::Command;

/// `strace` on PATH, or why the tests cannot trace.
pub fn strace() -> Result<PathBuf, String> {
    crate::repo::which("strace")
        .ok_or_else(|| "strace not on PATH (apt-get install strace; scripts/setup.sh does)".into())
}

/// `program` under `strace -f`, its socket calls written to `log`. Started in a process group
/// of its own ([`kill_group`] stops the traced program and every child with it).
pub fn traced(strace: &Path, log: &Path, program: &Path) -> Command {
    use std::os::unix::process::CommandExt;
    let mut cmd = Command::new(strace);
    cmd.args(["-f", "-qq", "-e", "trace=socket,connect", "-o"])
        .arg(log)
        .arg(program)
        .process_group(0);
    cmd
}

/// SIGKILL to the process group `pid` leads (one started by [`traced`]).
pub fn kill_group(pid: u32) {
    let _ = Command::new("kill")
        .args(["-KILL", "--", &format!("-{pid}")])
        .status();
}

/// The traced calls that opened or connected an internet socket (IPv4 or IPv6).
pub fn inet_calls(log: &Path) -> Vec<String> {
    std::fs::read_to_string(log)
        .unwrap_or_else(|e| panic!("{}: {e}", log.display()))
        .lines()
        .filter(|l| l.contains("AF_INET"))
        .map(str::to_string)
        .collect()
}

/// How many socket calls the trace holds at all (a trace of nothing proves nothing).
pub fn socket_calls(log: &Path) -> usize {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .filter(|l| l.contains("socket(") || l.contains("connect("))
        .count()
}
