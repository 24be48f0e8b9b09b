//! Print sets typeset in worker processes: the same PDFs as in-process, letters
//! at fault reported one by one, a dead worker replaced, a worker that keeps
//! dying failing the batch as transient, and a corrupt stream refused.

use std::ffi::OsString;
use std::io::Cursor;
use std::path::PathBuf;

use guichet_delivery::render_workers::{WORKER_ARG, WorkerCommand, WorkerPool, serve};
use guichet_letters::{Letter, LetterError, PrintSize, Wording, render_set, sample_decision};
use guichet_notify::NotifyError;

fn worker_binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_guichet"))
}

fn letters() -> Vec<Letter> {
    let mut out = Vec::new();
    for (i, (size, wording)) in [
        (PrintSize::Standard, Wording::Standard),
        (PrintSize::LargePrint, Wording::Standard),
        (PrintSize::Standard, Wording::EasyToRead),
    ]
    .into_iter()
    .cycle()
    .take(7)
    .enumerate()
    {
        let mut letter = sample_decision(size, wording).unwrap();
        if let Some(r) = letter.reference.as_mut() {
            r.case_reference = format!("D-2026-{i:06}");
        }
        out.push(letter);
    }
    // Characters no embedded font has: this letter is left out, with its reason.
    out[4].body.push("Nom d’usage : 王小明".into());
    out
}

#[test]
fn worker_processes_give_the_same_pdfs_as_threads() {
    let letters = letters();
    let sets: Vec<Vec<&Letter>> = letters.chunks(3).map(|c| c.iter().collect()).collect();
    let pool = WorkerPool::new(
        WorkerCommand {
            program: worker_binary(),
            args: vec![WORKER_ARG.into()],
        },
        2,
    );
    // Twice: the second time the workers are already running.
    for _ in 0..2 {
        let remote = pool.render_sets(&sets).expect("workers");
        assert_eq!(remote.len(), sets.len());
        for (set, got) in sets.iter().zip(remote) {
            let local = render_set(set);
            assert_eq!(got.letters, local.letters);
            assert!(got.pdf.is_some());
            assert_eq!(got.pdf, local.pdf, "a worker's PDF differs from in-process");
        }
    }
    let got = pool.render_sets(&sets[..2]).expect("workers");
    assert_eq!(
        got[0].letters[..2],
        [Ok(1), Ok(2)],
        "large print: two pages"
    );
    assert!(matches!(
        got[1].letters[1],
        Err(LetterError::UnsupportedCharacters(_))
    ));
}

#[test]
fn a_worker_that_dies_is_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let flag = dir.path().join("started-once");
    // The first worker dies at once; its replacement is a real worker.
    let script = format!(
        "if [ -e '{flag}' ]; then exec '{bin}' {WORKER_ARG}; else touch '{flag}'; exit 1; fi",
        flag = flag.display(),
        bin = worker_binary().display()
    );
    let pool = WorkerPool::new(
        WorkerCommand {
            program: "/bin/sh".into(),
            args: vec![OsString::from("-c"), script.into()],
        },
        1,
    );
    let letters = letters();
    let set: Vec<&Letter> = letters[..2].iter().collect();
    let got = pool.render_sets(&[set]).expect("replaced worker");
    assert_eq!(got[0].letters, vec![Ok(1), Ok(2)]);
    assert!(flag.exists(), "the first worker did run");
}

#[test]
fn a_worker_that_keeps_dying_fails_the_batch_as_transient() {
    let pool = WorkerPool::new(
        WorkerCommand {
            program: "/bin/sh".into(),
            args: vec![OsString::from("-c"), OsString::from("exit 3")],
        },
        2,
    );
    let letters = letters();
    let sets: Vec<Vec<&Letter>> = letters.chunks(4).map(|c| c.iter().collect()).collect();
    let err = pool.render_sets(&sets).expect_err("no worker ever answers");
    assert!(matches!(err, NotifyError::Transient(_)), "{err:?}");
    assert!(err.to_string().contains("mise en page"), "{err}");
}

fn frame(json: &[u8]) -> Vec<u8> {
    let mut out = (json.len() as u32).to_le_bytes().to_vec();
    out.extend_from_slice(json);
    out
}

#[test]
fn a_worker_answers_each_set_then_stops_at_the_end_of_its_input() {
    let letters = letters();
    let mut input = frame(&serde_json::to_vec(&letters[..2]).unwrap());
    input.extend(frame(&serde_json::to_vec(&letters[4..5]).unwrap()));
    let mut output = Vec::new();
    serve(Cursor::new(input), &mut output).expect("serve");
    let mut rest = output.as_slice();
    let mut take = |n: usize| {
        let (head, tail) = rest.split_at(n);
        rest = tail;
        head.to_vec()
    };
    let mut replies = Vec::new();
    for _ in 0..2 {
        let len = u32::from_le_bytes(take(4).try_into().unwrap()) as usize;
        let results: Vec<Result<usize, LetterError>> = serde_json::from_slice(&take(len)).unwrap();
        let pdf_len = u64::from_le_bytes(take(8).try_into().unwrap()) as usize;
        let pdf = take(pdf_len);
        replies.push((results, pdf));
    }
    assert!(rest.is_empty(), "nothing after the two replies");
    assert_eq!(replies[0].0, vec![Ok(1), Ok(2)]);
    assert!(replies[0].1.starts_with(b"%PDF-"));
    // A set of only bad letters: its error, and no PDF.
    assert!(matches!(
        replies[1].0[..],
        [Err(LetterError::UnsupportedCharacters(_))]
    ));
    assert!(replies[1].1.is_empty());
}

#[test]
fn a_corrupt_stream_is_refused() {
    // Not JSON.
    let err = serve(Cursor::new(frame(b"not json")), Vec::new()).expect_err("garbage");
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidData);
    // Cut in the middle of a frame.
    let mut cut = frame(b"[]");
    cut.pop();
    assert!(serve(Cursor::new(cut), Vec::new()).is_err());
    // A length no set of letters could have.
    let huge = (u32::MAX).to_le_bytes().to_vec();
    let err = serve(Cursor::new(huge), Vec::new()).expect_err("huge");
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidData);
}
