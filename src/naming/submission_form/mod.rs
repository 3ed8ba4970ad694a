//! The new-submission form as data: what it sends (`form`), the parent
//! picker (`parents`), the typed view of rule, levels and controls built
//! from the database (`view`), and the live preview (`preview`). The
//! handlers in `naming::handlers::submission_form` only parse and render.

pub mod form;
pub mod parents;
pub mod preview;
pub mod view;

pub use form::SubmissionForm;
pub use parents::ParentPicker;
pub use preview::{PreviewRow, PreviewView};
pub use view::{form_view, Control, FormView, Level, Opt, ProblemView};
