//! [`LoadOnce`]: a value loaded on first use (the encoders: seconds of reading and hashing
//! weights) without holding a lock while it loads. The lock guards only the slot's state
//! (empty, loading, loaded); callers that find it loading wait on a condition variable, which
//! releases the lock, and a load that fails leaves the slot empty for the next caller to retry.

use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};

enum Slot<T> {
    Empty,
    Loading,
    Loaded(Arc<T>),
}

pub struct LoadOnce<T> {
    slot: Mutex<Slot<T>>,
    changed: Condvar,
}

impl<T> Default for LoadOnce<T> {
    fn default() -> Self {
        Self {
            slot: Mutex::new(Slot::Empty),
            changed: Condvar::new(),
        }
    }
}

impl<T> LoadOnce<T> {
    /// The slot's state; a panic elsewhere never leaves it unusable (the state is always whole:
    /// every change is one assignment).
    fn lock(&self) -> MutexGuard<'_, Slot<T>> {
        self.slot.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The value when it is loaded, without loading it.
    pub fn get(&self) -> Option<Arc<T>> {
        match &*self.lock() {
            Slot::Loaded(v) => Some(v.clone()),
            _ => None,
        }
    }

    /// The value, loaded by `load` if no one has (or is doing it: then this waits for them).
    pub fn get_or_load<E>(&self, load: impl FnOnce() -> Result<T, E>) -> Result<Arc<T>, E> {
        let mut slot = self.lock();
        loop {
            match &*slot {
                Slot::Loaded(v) => return Ok(v.clone()),
                Slot::Loading => {
                    slot = self
                        .changed
                        .wait(slot)
                        .unwrap_or_else(PoisonError::into_inner);
                }
                Slot::Empty => break,
            }
        }
        *slot = Slot::Loading;
        drop(slot);
        // Loading runs with no lock held; a panic in it must not leave the slot "loading" for
        // ever, so the slot is reset by a guard.
        let reset = ResetOnDrop(self);
        let result = load();
        std::mem::forget(reset);
        let mut slot = self.lock();
        let out = match result {
            Ok(v) => {
                let v = Arc::new(v);
                *slot = Slot::Loaded(v.clone());
                Ok(v)
            }
            Err(e) => {
                *slot = Slot::Empty;
                Err(e)
            }
        };
        self.changed.notify_all();
        out
    }

    /// Forgets the value (the device changed): the next use loads it again. A load under way
    /// finishes and is kept, as it started after the caller's change was decided.
    pub fn reset(&self) {
        let mut slot = self.lock();
        if matches!(*slot, Slot::Loaded(_)) {
            *slot = Slot::Empty;
        }
    }
}

struct ResetOnDrop<'a, T>(&'a LoadOnce<T>);

impl<T> Drop for ResetOnDrop<'_, T> {
    fn drop(&mut self) {
        *self.0.lock() = Slot::Empty;
        self.0.changed.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn loads_once_for_concurrent_callers_and_retries_after_a_failure() {
        let once = Arc::new(LoadOnce::<usize>::default());
        assert!(once
            .get_or_load(|| Err::<usize, &str>("no weights"))
            .is_err());
        assert!(once.get().is_none());
        let calls = Arc::new(AtomicUsize::new(0));
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let (once, calls) = (once.clone(), calls.clone());
                std::thread::spawn(move || {
                    *once
                        .get_or_load(|| {
                            calls.fetch_add(1, Ordering::SeqCst);
                            std::thread::sleep(std::time::Duration::from_millis(50));
                            Ok::<usize, &str>(7)
                        })
                        .unwrap()
                })
            })
            .collect();
        for t in threads {
            assert_eq!(t.join().unwrap(), 7);
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        once.reset();
        assert!(once.get().is_none());
    }

    #[test]
    fn a_panicking_load_leaves_the_slot_usable() {
        let once = Arc::new(LoadOnce::<usize>::default());
        let o = once.clone();
        let panicked = std::thread::spawn(move || {
            let _ = o.get_or_load(|| -> Result<usize, ()> { panic!("load failed") });
        })
        .join();
        assert!(panicked.is_err());
        assert_eq!(*once.get_or_load(|| Ok::<usize, ()>(3)).unwrap(), 3);
    }
}
