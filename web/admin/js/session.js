// Who is signed in (filled by app.js; read by the pages).

/** `name` and `role` (`admin` | `clerk`) of the signed-in user, or nulls. */
export const session = { name: null, role: null };
