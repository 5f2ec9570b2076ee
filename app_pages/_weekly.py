"""The one place the My projects page learns whose projects to show.

`acting_manager` returns the email of the project manager the page is for. Until sign-in
exists it is chosen from the managers in the portfolio (or typed); the identity work plugs
the signed-in user in here, and a project manager then sees only their own projects.
"""

from __future__ import annotations

import streamlit as st

from app_pages import _shared as ui


def acting_manager(managers: list[str]) -> str:
    """The project manager's email: a signed-in pm's own; others (the EPMO) choose one."""
    identity = ui.current_identity()
    if identity.role == "pm":
        return identity.email
    wanted = st.query_params.get("pm", "")
    index = managers.index(wanted) if wanted in managers else None
    email = st.selectbox(
        "Project manager",
        managers,
        index=index,
        key="my_pm",
        placeholder="Choose your email",
        accept_new_options=True,
        help="Your email as the projects table's project_manager holds it.",
    )
    if email:
        st.query_params["pm"] = email
    return str(email or "")
