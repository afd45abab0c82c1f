//! A JSON notes API, as a newcomer writes it: list, create, get and delete notes, a `?q=`
//! filter, and answers as JSON for every mistake (404, 422, ...). Its only extra crate is
//! `serde`, for the derives.
//!
//! Run with: `cargo run --example json_api`, then
//!
//! ```text
//! curl -i -d '{"title": "milk", "text": "two litres"}' -H 'Content-Type: application/json' \
//!      http://127.0.0.1:8000/notes                          # 201 and the note, id 1
//! curl http://127.0.0.1:8000/notes                          # every note
//! curl 'http://127.0.0.1:8000/notes?q=MILK'                 # the notes that mention milk
//! curl http://127.0.0.1:8000/notes/1                        # one note
//! curl -i -X DELETE http://127.0.0.1:8000/notes/1           # 204, then 404 for /notes/1
//! curl -i -d '{"title": ""}' -H 'Content-Type: application/json' \
//!      http://127.0.0.1:8000/notes                          # 422 {"error": "..."}
//! ```
//!
//! `--port N` or `PORT=N` serves on another port. The notes live in memory, shared by every
//! request: one `Arc<Notes>`, cloned into each route's closure.

use gateway::serde_json::json;
use gateway::{app_fn, make_server, port_from_args, Application, Body, Environ};
use gateway::{HttpError, RouteError, Router, StartResponse, Status};
use serde::{Deserialize, Serialize};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// A note, as the API sends it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Note {
    /// Given by the server, from 1 up; never reused.
    pub id: u64,
    /// What the note is about; never empty.
    pub title: String,
    /// The note itself.
    pub text: String,
}

/// A note, as a client creates it: `{"title": "...", "text": "..."}` (`text` is optional).
#[derive(Deserialize)]
struct NewNote {
    title: String,
    #[serde(default)]
    text: String,
}

/// Every note, shared by all requests. The server calls the application from several threads
/// at once, so the notes sit behind a `Mutex`.
#[derive(Default)]
pub struct Notes {
    store: Mutex<Store>,
}

#[derive(Default)]
struct Store {
    notes: Vec<Note>,
    last_id: u64,
}

impl Notes {
    /// The store, also after a request panicked while holding it: a panic is that request's
    /// 500, and the other requests go on.
    fn store(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// `GET /notes[?q=word]`: every note, or those whose title or text holds `word`
    /// (ignoring case).
    fn list(&self, environ: &Environ, start_response: StartResponse) -> Result<Body, HttpError> {
        let query = environ.query();
        let word = query.get("q").unwrap_or("").to_lowercase();
        let store = self.store();
        let found: Vec<&Note> = store
            .notes
            .iter()
            .filter(|note| {
                note.title.to_lowercase().contains(&word)
                    || note.text.to_lowercase().contains(&word)
            })
            .collect();
        Ok(start_response.json(Status::OK, &found))
    }

    /// `POST /notes` with a JSON body: 201 and the new note. `environ.json()?` answers 415,
    /// 400 or 422 by itself when the body is not a `NewNote`.
    fn create(&self, environ: &Environ, start_response: StartResponse) -> Result<Body, HttpError> {
        let new: NewNote = environ.json()?;
        if new.title.trim().is_empty() {
            return Err(error(Status::UNPROCESSABLE_ENTITY, "the title is empty"));
        }
        let mut store = self.store();
        store.last_id += 1;
        let note = Note {
            id: store.last_id,
            title: new.title,
            text: new.text,
        };
        store.notes.push(note.clone());
        Ok(start_response.json(Status::CREATED, &note))
    }

    /// `GET /notes/{id}`: the note, or 404.
    fn get(&self, environ: &Environ, start_response: StartResponse) -> Result<Body, HttpError> {
        let id = note_id(environ)?;
        let store = self.store();
        let note = store.notes.iter().find(|note| note.id == id);
        let note = note.ok_or_else(|| no_note(id))?;
        Ok(start_response.json(Status::OK, note))
    }

    /// `DELETE /notes/{id}`: 204 and no body, or 404.
    fn delete(&self, environ: &Environ, start_response: StartResponse) -> Result<Body, HttpError> {
        let id = note_id(environ)?;
        let mut store = self.store();
        let index = store.notes.iter().position(|note| note.id == id);
        store.notes.remove(index.ok_or_else(|| no_note(id))?);
        start_response(&Status::NO_CONTENT, &[]);
        Ok(Body::empty())
    }
}

/// A handler of [`Notes`]: one per route.
type Handler = fn(&Notes, &Environ, StartResponse) -> Result<Body, HttpError>;

/// An application that calls `handler` on the shared `notes`: the closure owns a clone of
/// the `Arc`, so every route sees the same notes.
fn with_notes(notes: &Arc<Notes>, handler: Handler) -> impl Application {
    let notes = Arc::clone(notes);
    app_fn(move |environ, start_response| handler(&notes, environ, start_response))
}

/// The `{id}` of the route, as a number; any other text is a note that does not exist.
fn note_id(environ: &Environ) -> Result<u64, HttpError> {
    let id = environ.route_param("id").unwrap_or("");
    id.parse()
        .map_err(|_| error(Status::NOT_FOUND, format!("no note {id:?}")))
}

/// The 404 for a note that is not there.
fn no_note(id: u64) -> HttpError {
    error(Status::NOT_FOUND, format!("no note {id}"))
}

/// An answer with `status` and `{"error": message}`, the shape of every error of this API.
fn error(status: Status, message: impl Into<String>) -> HttpError {
    HttpError::json(status, &json!({ "error": message.into() }))
}

/// The notes API over a fresh, empty store. A wrong method on a route answers 405 with
/// `Allow` (the router's own answer); a path outside the API answers a JSON 404.
pub fn app() -> Result<Router, RouteError> {
    let notes = Arc::new(Notes::default());
    let not_found = app_fn(|environ, _start_response| -> Result<Body, HttpError> {
        Err(error(
            Status::NOT_FOUND,
            format!("no route for {}", environ.path_info()),
        ))
    });
    Router::builder()
        .get("/notes", with_notes(&notes, Notes::list))
        .post("/notes", with_notes(&notes, Notes::create))
        .get("/notes/{id}", with_notes(&notes, Notes::get))
        .delete("/notes/{id}", with_notes(&notes, Notes::delete))
        .fallback(not_found)
        .build()
}

fn main() -> gateway::Result<()> {
    let port = port_from_args(8000)?;
    let httpd = make_server("", port, app()?)?;
    println!("serving port {port}...");
    httpd.serve_forever()?;
    Ok(())
}
