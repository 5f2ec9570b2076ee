"""Submissions: the upload ledger; admins can retract an upload (it stays in the ledger)."""

import streamlit as st

from app_pages import _shared as ui
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
ui.table(shown, key="ledger_table", height=420 if len(shown) > 10 else "auto")
ui.downloads(shown, "uploads", "ledger")
ui.show_sql(data.sql["ledger"])

st.subheader("Retract an upload")
live = data.live
labels = data.retract_labels()
with st.form("retract_form"):
    who = st.text_input("Your email (admin)", key="retract_user")
    upload_id = st.selectbox(
        "Upload",
        live["upload_id"].tolist(),
        key="retract_id",
        format_func=labels.get,
    )
    reason = st.text_input("Reason", key="retract_reason")
    submitted = st.form_submit_button("Retract", type="primary")
if submitted:
    if not ui.is_admin(who):
        st.error("Only admins can retract uploads (EPMO_ADMINS lists them).")
    elif not reason.strip():
        st.error("Give a reason; it is kept in the ledger.")
    elif upload_id:
        try:
            ui.store().retract(upload_id, who, reason.strip())
        except (AlreadyRetracted, KeyError, StoreWriteError) as exc:
            # someone else retracted it meanwhile, or the store refused the write: in words
            st.error(md(exc.args[0] if isinstance(exc, KeyError) else str(exc)))
        else:
            st.success(f"Retracted {md(upload_id)}. It no longer counts in any view.")
            st.rerun()
