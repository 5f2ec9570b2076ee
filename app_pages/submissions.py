"""Submissions: the upload ledger; admins can retract an upload (it stays in the ledger)."""

import streamlit as st

from app_pages import _shared as ui
from epmo import access
from epmo.pagedata import ledger
from epmo.safe_text import md
from epmo.store import AlreadyRetracted, StoreWriteError

snap = ui.snapshot()
st.title("Submissions ledger")
st.caption(
    "Every accepted upload: who, when, which file (sha256), the week it reports, row "
    "counts per table. A retracted upload leaves every view but stays here."
)
search = st.session_state.get("ledger_search", "")  # the search box below, read first
# the ledger is not as of a week: no sidebar, every week's uploads
data = ui.page(ledger.submissions, snap, ledger.EVERY_WEEK, search=search)
n = data.counts()
c = st.columns(3)
c[0].metric("Uploads", f"{n['uploads']:,}")
c[1].metric("Retracted", n["retracted"])
c[2].metric("Latest week", n["latest"])
st.text_input("Filter by file, person or upload id", key="ledger_search")
shown = data.shown
latest = data.latest()
if len(shown) > len(latest):
    st.caption(
        f"The latest {len(latest):,} of {len(shown):,} uploads{' matching the filter' if search else ''}: "
        "the filter searches them all, and the CSV and XLSX downloads hold them all."
    )
ui.table(latest, key="ledger_table", height=420 if len(latest) > 10 else "auto")
ui.downloads(shown, "uploads", "ledger")  # every matching row, built when clicked
ui.show_sql(data.sql["ledger"])

if not ui.allowed("retract"):  # nothing to do here for whoever may not retract: no section
    st.stop()
st.subheader("Retract an upload")
identity = ui.current_identity()
labels = data.retract_labels()
live = data.live if not search else data.retract_choices(len(data.ledger))
if len(live) > len(labels):
    st.caption(
        f"The latest {len(labels):,} of {len(live):,} live uploads{' matching the filter' if search else ''}: "
        "type an upload id or file name in the filter above to find an older one."
    )
with st.form("retract_form"):
    upload_id = st.selectbox(
        "Upload",
        list(labels),
        key="retract_id",
        format_func=labels.get,
    )
    reason = st.text_input("Reason", key="retract_reason")
    submitted = st.form_submit_button("Retract", type="primary")
if submitted:
    if not reason.strip():
        st.error("Give a reason; it is kept in the ledger.")
    elif upload_id:
        try:
            access.retract(ui.store(), identity, upload_id, reason.strip())
        except (AlreadyRetracted, KeyError, StoreWriteError, access.Forbidden) as exc:
            # someone else retracted it meanwhile, or the store refused the write: in words
            st.error(md(exc.args[0] if isinstance(exc, KeyError) else str(exc)))
        else:
            st.success(f"Retracted {md(upload_id)} as {md(identity.email)}. It no longer counts in any view.")
            st.rerun()
