//! The training service: at most one training job, run on its own thread (it is CPU-heavy for
//! minutes), stopped through a cancellation token, its state published in a `watch` channel.
//! A job that panics is reported as failed and leaves the service ready for the next one.

use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::sync::Arc;

use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use crate::error::{Error, Result};
use crate::model_service::ModelService;
use crate::training::{JobEvent, TrainRequest, TrainingEvent};

/// What the training service is doing.
#[derive(Debug, Clone)]
pub enum TrainingState {
    /// No job since the app started.
    Idle,
    Running {
        name: String,
        cancel: CancellationToken,
    },
    /// The last job ended (finished, stopped or failed: its events said which).
    Ended { name: String },
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct TrainingInfo {
    pub running: bool,
    pub name: String,
}

impl TrainingState {
    pub fn info(&self) -> Option<TrainingInfo> {
        match self {
            TrainingState::Idle => None,
            TrainingState::Running { name, .. } => Some(TrainingInfo {
                running: true,
                name: name.clone(),
            }),
            TrainingState::Ended { name } => Some(TrainingInfo {
                running: false,
                name: name.clone(),
            }),
        }
    }
}

pub struct TrainingService {
    state: watch::Sender<TrainingState>,
}

impl Default for TrainingService {
    fn default() -> Self {
        Self {
            state: watch::Sender::new(TrainingState::Idle),
        }
    }
}

/// The text of a panic's payload.
fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into())
}

impl TrainingService {
    pub fn state(&self) -> TrainingState {
        self.state.borrow().clone()
    }

    pub fn subscribe(&self) -> watch::Receiver<TrainingState> {
        self.state.subscribe()
    }

    /// Starts `request` on its own thread; events go to `on_event` from it. Refused with
    /// [`Error::TrainingBusy`] while a job runs.
    pub fn start(
        self: &Arc<Self>,
        request: TrainRequest,
        models: Arc<ModelService>,
        data_dir: PathBuf,
        on_event: Arc<dyn Fn(TrainingEvent) + Send + Sync>,
    ) -> Result<()> {
        request.validate()?;
        let name = request.name.clone();
        let events = on_event.clone();
        self.start_job(name, on_event, move |cancel| {
            let encoders = models.encoders()?;
            crate::training::run(
                &request,
                &encoders,
                models.registry(),
                &data_dir,
                &models.device(),
                cancel,
                events.as_ref(),
            )
            .map(|_| ())
        })
    }

    /// Runs `job` as the training job named `name` on its own thread: claims the service (or
    /// answers busy), reports an error or a panic of the job as a `Failed` event, and marks the
    /// job ended whatever happened.
    pub fn start_job(
        self: &Arc<Self>,
        name: String,
        on_event: Arc<dyn Fn(TrainingEvent) + Send + Sync>,
        job: impl FnOnce(&CancellationToken) -> Result<()> + Send + 'static,
    ) -> Result<()> {
        let cancel = CancellationToken::new();
        // Check and claim in one step, so two requests cannot both start.
        let claimed = self.state.send_if_modified(|state| {
            if matches!(state, TrainingState::Running { .. }) {
                return false;
            }
            *state = TrainingState::Running {
                name: name.clone(),
                cancel: cancel.clone(),
            };
            true
        });
        if !claimed {
            return Err(Error::TrainingBusy);
        }
        let this = self.clone();
        let ended = name.clone();
        let spawned = std::thread::Builder::new()
            .name("training".into())
            .spawn(move || {
                let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| job(&cancel)));
                let failure = match outcome {
                    Ok(Ok(())) => None,
                    Ok(Err(e)) => Some((e.code().to_string(), e.to_string())),
                    Err(panic) => Some((
                        "internal".to_string(),
                        format!("training stopped unexpectedly: {}", panic_text(&*panic)),
                    )),
                };
                if let Some((code, message)) = failure {
                    on_event(TrainingEvent::Job(JobEvent::Failed { code, message }));
                }
                // The job's dataset, model and optimizer are dropped by now.
                crate::memory::release_freed();
                this.state
                    .send_replace(TrainingState::Ended { name: ended });
            });
        if let Err(e) = spawned {
            self.state.send_replace(TrainingState::Ended { name });
            return Err(Error::Internal(format!(
                "cannot start the training thread: {e}"
            )));
        }
        Ok(())
    }

    /// Asks the running job, if any, to stop after its current batch.
    pub fn stop(&self) {
        if let TrainingState::Running { cancel, .. } = &*self.state.borrow() {
            cancel.cancel();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;
    use std::time::Duration;

    fn wait_until_ended(service: &TrainingService) {
        let mut rx = service.subscribe();
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while matches!(*rx.borrow_and_update(), TrainingState::Running { .. }) {
            assert!(std::time::Instant::now() < deadline, "the job never ended");
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    #[test]
    fn a_panicking_job_is_reported_and_the_next_one_starts() {
        let service = Arc::new(TrainingService::default());
        let events = Arc::new(Mutex::new(Vec::new()));
        let sink = {
            let events = events.clone();
            Arc::new(move |e: TrainingEvent| {
                if let TrainingEvent::Job(JobEvent::Failed { code, message }) = e {
                    events.lock().unwrap().push((code, message));
                }
            }) as Arc<dyn Fn(TrainingEvent) + Send + Sync>
        };
        service
            .start_job("crash".into(), sink.clone(), |_| panic!("out of bounds"))
            .unwrap();
        wait_until_ended(&service);
        let failed = events.lock().unwrap().clone();
        assert_eq!(failed.len(), 1);
        assert_eq!(failed[0].0, "internal");
        assert!(failed[0].1.contains("out of bounds"), "{failed:?}");
        let info = service.state().info().unwrap();
        assert!(!info.running && info.name == "crash");

        // Not wedged: a new job starts, a second one is refused while it runs, and stop()
        // reaches it through its token.
        service
            .start_job("long".into(), sink.clone(), |cancel| {
                while !cancel.is_cancelled() {
                    std::thread::sleep(Duration::from_millis(5));
                }
                Ok(())
            })
            .unwrap();
        let busy = service.start_job("other".into(), sink, |_| Ok(()));
        assert!(matches!(busy, Err(Error::TrainingBusy)));
        assert!(service.state().info().unwrap().running);
        service.stop();
        wait_until_ended(&service);
        assert_eq!(events.lock().unwrap().len(), 1);
    }
}
