// In-memory note store: ids count up from 1; notes are returned newest first.
export function createNoteStore() {
  const notes = [];
  return {
    add(text) {
      const note = { id: notes.length + 1, text, createdAt: new Date().toISOString() };
      notes.push(note);
      return note;
    },
    list() {
      return [...notes].reverse();
    },
  };
}
