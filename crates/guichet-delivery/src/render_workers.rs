//! Print sets typeset in worker processes, one per core.
//!
//! typst keeps its memoisation caches in process-wide maps behind locks, so two
//! threads typesetting letters contend for them: on this project's 2-core
//! machines two threads typeset 1.43× as many letters as one, two processes
//! 1.69×. A binary that can serve as a worker (`guichet render-worker`) says so
//! once at start-up with [`use_worker_processes`]; print batches then hand their
//! sets to one child process per core, each reading sets of letters on its
//! standard input and writing, for each set, every letter's result and the
//! set's PDF on its standard output. Without it (library tests, embedders),
//! sets are typeset on the threads of [`crate::print::render_pool`].
//!
//! A child that dies (killed, out of memory) is replaced and its set sent again
//! once; a second failure fails the batch as a transient error, so nothing is
//! marked as handed to the printer and the next run tries again.
//!
//! Frames, little-endian: a request is `u32` length + the letters as JSON; a
//! reply is `u32` length + the per-letter results as JSON, then `u64` length +
//! the PDF (length 0: no PDF, every letter of the set was at fault).

use std::ffi::OsString;
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};

use guichet_letters::{Letter, LetterError, RenderedSet, render_set};
use rayon::prelude::*;

use crate::print::render_pool;
use guichet_notify::NotifyError;

/// The largest request or reply a worker accepts (a set of 32 letters is ~100 kB
/// of JSON and ~1 MB of PDF): anything larger is a corrupt stream.
const MAX_FRAME: u64 = 256 << 20;

/// How to start a worker process: a program and its arguments.
#[derive(Debug, Clone)]
pub struct WorkerCommand {
    pub program: PathBuf,
    pub args: Vec<OsString>,
}

/// Worker processes, one slot per core; a slot's process starts on first use
/// and is replaced when it fails. Dropping the pool ends its processes.
#[derive(Debug)]
pub struct WorkerPool {
    command: WorkerCommand,
    slots: Vec<Mutex<Option<Worker>>>,
}

impl WorkerPool {
    /// A pool of `size` workers started with `command` (none started yet).
    pub fn new(command: WorkerCommand, size: usize) -> Self {
        Self {
            command,
            slots: (0..size.max(1)).map(|_| Mutex::new(None)).collect(),
        }
    }

    /// Typesets each set into one PDF (see [`render_set`]) in the workers;
    /// results in the order of `sets`.
    pub fn render_sets(&self, sets: &[Vec<&Letter>]) -> Result<Vec<RenderedSet>, NotifyError> {
        let next = AtomicUsize::new(0);
        let mut results: Vec<Option<Result<RenderedSet, NotifyError>>> =
            sets.iter().map(|_| None).collect();
        std::thread::scope(|scope| {
            let threads: Vec<_> = self
                .slots
                .iter()
                .take(sets.len())
                .map(|slot| {
                    let next = &next;
                    scope.spawn(move || {
                        let mut worker = slot.lock().unwrap_or_else(|e| e.into_inner());
                        let mut done = Vec::new();
                        loop {
                            let i = next.fetch_add(1, Ordering::Relaxed);
                            let Some(set) = sets.get(i) else { break };
                            done.push((i, render_remote(&mut worker, &self.command, set)));
                        }
                        done
                    })
                })
                .collect();
            for thread in threads {
                for (i, rendered) in thread.join().unwrap_or_default() {
                    results[i] = Some(rendered);
                }
            }
        });
        results
            .into_iter()
            .map(|r| {
                r.unwrap_or_else(|| {
                    Err(NotifyError::Transient(
                        "un groupe de lettres n’a pas été mis en page".into(),
                    ))
                })
            })
            .collect()
    }
}

static POOL: OnceLock<WorkerPool> = OnceLock::new();

/// Typesets print sets in child processes started with `command`, one per
/// core, from now on. The first call wins; later calls are ignored.
pub fn use_worker_processes(command: WorkerCommand) {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let _ = POOL.set(WorkerPool::new(command, cores));
}

/// The first argument that makes a binary serve as a render worker.
pub const WORKER_ARG: &str = "render-worker";

/// For a binary that can serve as its own worker: when started with
/// [`WORKER_ARG`] it serves on stdin/stdout and returns its exit code; otherwise,
/// on a machine with more than one core, print sets go to children of this
/// same program, and it returns `None` to carry on.
pub fn serve_or_use_self() -> Option<std::process::ExitCode> {
    if std::env::args_os().nth(1).is_some_and(|a| a == WORKER_ARG) {
        // The raw descriptors as files: stdout's line buffering would split binary frames.
        use std::os::fd::AsFd as _;
        let streams = io::stdin()
            .as_fd()
            .try_clone_to_owned()
            .and_then(|i| Ok((i, io::stdout().as_fd().try_clone_to_owned()?)));
        return Some(
            match streams.and_then(|(i, o)| serve(std::fs::File::from(i), std::fs::File::from(o))) {
                Ok(()) => std::process::ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("render-worker: {e}");
                    std::process::ExitCode::FAILURE
                }
            },
        );
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    if cores > 1
        && let Ok(program) = std::env::current_exe()
    {
        use_worker_processes(WorkerCommand {
            program,
            args: vec![WORKER_ARG.into()],
        });
    }
    None
}

/// Process ids of the running worker processes (none without workers), for the
/// bench's memory figures.
pub fn worker_pids() -> Vec<u32> {
    let Some(pool) = POOL.get() else {
        return Vec::new();
    };
    pool.slots
        .iter()
        .filter_map(|slot| Some(slot.try_lock().ok()?.as_ref()?.child.id()))
        .collect()
}

/// Whether print sets go to worker processes.
pub fn worker_processes() -> bool {
    POOL.get().is_some()
}

#[derive(Debug)]
struct Worker {
    child: Child,
    input: BufWriter<ChildStdin>,
    output: BufReader<ChildStdout>,
}

impl Drop for Worker {
    fn drop(&mut self) {
        // Closing stdin ends the worker's loop; kill in case it is stuck.
        let _ = self.input.flush();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Typesets each set into one PDF (see [`render_set`]), in worker processes
/// when configured, else on threads; results in the order of `sets`.
pub fn render_sets(sets: &[Vec<&Letter>]) -> Result<Vec<RenderedSet>, NotifyError> {
    match POOL.get() {
        Some(pool) => pool.render_sets(sets),
        None => Ok(render_pool().install(|| sets.par_iter().map(|s| render_set(s)).collect())),
    }
}

/// Sends one set to the slot's worker, starting or replacing it as needed.
fn render_remote(
    slot: &mut Option<Worker>,
    command: &WorkerCommand,
    set: &[&Letter],
) -> Result<RenderedSet, NotifyError> {
    let request = serde_json::to_vec(set)
        .map_err(|e| NotifyError::Permanent(format!("lettres non sérialisables : {e}")))?;
    let mut last = None;
    for _ in 0..2 {
        if slot.is_none() {
            match spawn(command) {
                Ok(worker) => *slot = Some(worker),
                Err(e) => {
                    // No worker (the binary was replaced during an upgrade, no
                    // process left): typeset here rather than hold the batch.
                    tracing::warn!(
                        program = %command.program.display(),
                        "cannot start a render worker, typesetting in-process: {e}"
                    );
                    return Ok(render_set(set));
                }
            }
        }
        let Some(worker) = slot.as_mut() else {
            continue;
        };
        match exchange(worker, &request) {
            Ok(rendered) if rendered.letters.len() == set.len() => return Ok(rendered),
            Ok(rendered) => {
                last = Some(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!(
                        "{} résultats pour {} lettres",
                        rendered.letters.len(),
                        set.len()
                    ),
                ));
            }
            Err(e) => last = Some(e),
        }
        // A worker that failed mid-exchange is out of step: replace it.
        *slot = None;
    }
    Err(NotifyError::Transient(format!(
        "le processus de mise en page s’est arrêté deux fois sur le même groupe de lettres ({}) ; \
         le lot sera repris",
        last.map(|e| e.to_string()).unwrap_or_default()
    )))
}

fn spawn(command: &WorkerCommand) -> io::Result<Worker> {
    let mut child = Command::new(&command.program)
        .args(&command.args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()?;
    let (Some(input), Some(output)) = (child.stdin.take(), child.stdout.take()) else {
        let _ = child.kill();
        let _ = child.wait();
        return Err(io::Error::other("pas de canal vers le processus"));
    };
    Ok(Worker {
        child,
        input: BufWriter::new(input),
        output: BufReader::with_capacity(1 << 20, output),
    })
}

fn exchange(worker: &mut Worker, request: &[u8]) -> io::Result<RenderedSet> {
    write_frame32(&mut worker.input, request)?;
    worker.input.flush()?;
    let header = read_frame(&mut worker.output, 4)?
        .ok_or_else(|| io::Error::new(io::ErrorKind::UnexpectedEof, "le processus s’est arrêté"))?;
    let letters: Vec<Result<usize, LetterError>> = serde_json::from_slice(&header)
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
    let pdf = read_frame(&mut worker.output, 8)?
        .ok_or_else(|| io::Error::new(io::ErrorKind::UnexpectedEof, "PDF tronqué"))?;
    Ok(RenderedSet {
        pdf: (!pdf.is_empty()).then_some(pdf),
        letters,
    })
}

fn write_frame32(out: &mut impl Write, bytes: &[u8]) -> io::Result<()> {
    let len = u32::try_from(bytes.len())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "trame trop longue"))?;
    out.write_all(&len.to_le_bytes())?;
    out.write_all(bytes)
}

/// Reads a frame with a length prefix of `width` bytes; `None` at a clean end of
/// stream (before the prefix).
fn read_frame(input: &mut impl Read, width: usize) -> io::Result<Option<Vec<u8>>> {
    let mut prefix = [0u8; 8];
    let Some(prefix) = prefix.get_mut(..width) else {
        return Err(io::Error::other("largeur de préfixe invalide"));
    };
    match input.read_exact(prefix) {
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
        other => other?,
    }
    let mut le = [0u8; 8];
    le.get_mut(..width)
        .ok_or_else(|| io::Error::other("largeur de préfixe invalide"))?
        .copy_from_slice(prefix);
    let len = u64::from_le_bytes(le);
    if len > MAX_FRAME {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("trame de {len} octets refusée"),
        ));
    }
    let mut buf = vec![0; usize::try_from(len).unwrap_or(0)];
    input.read_exact(&mut buf)?;
    Ok(Some(buf))
}

/// The worker's side: typesets each set of letters read from `input` and writes
/// the results to `output`, until `input` ends. Runs inside a one-thread rayon
/// pool with a large stack (typst lays out recursively): typst's own parallel
/// steps then run inline, as there is one worker process per core already
/// (measured: 8-9 % more letters per second than sharing a pool per process).
pub fn serve(input: impl Read + Send, output: impl Write + Send) -> io::Result<()> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .stack_size(64 << 20)
        .thread_name(|_| "render-worker".into())
        .build()
        .map_err(io::Error::other)?;
    pool.install(move || serve_loop(input, output))
}

fn serve_loop(input: impl Read, output: impl Write) -> io::Result<()> {
    let mut input = BufReader::with_capacity(1 << 20, input);
    let mut output = BufWriter::with_capacity(1 << 20, output);
    while let Some(request) = read_frame(&mut input, 4)? {
        let letters: Vec<Letter> = serde_json::from_slice(&request)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
        let refs: Vec<&Letter> = letters.iter().collect();
        let set = render_set(&refs);
        let header = serde_json::to_vec(&set.letters).map_err(io::Error::other)?;
        write_frame32(&mut output, &header)?;
        let pdf = set.pdf.unwrap_or_default();
        output.write_all(&(pdf.len() as u64).to_le_bytes())?;
        output.write_all(&pdf)?;
        output.flush()?;
    }
    Ok(())
}
