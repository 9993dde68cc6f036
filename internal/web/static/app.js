// Roster console: opens dialogs, fills them from the row that opened them,
// and checks seats while an admin types invitations. Every action is a
// plain form the server validates again.
"use strict";

function openDialog(d) {
  if (d && !d.open) d.showModal();
}

document.addEventListener("click", (ev) => {
  const opener = ev.target.closest("[data-opens]");
  if (opener) {
    openDialog(document.getElementById(opener.dataset.opens));
    return;
  }
  const item = ev.target.closest("[data-dialog]");
  if (item) {
    const d = document.getElementById(item.dataset.dialog);
    if (!d) return;
    // The menu (or the profile's action bar) carries the user's data once
    // for all its items.
    const menu = item.closest("[data-id]");
    if (menu.popover) menu.hidePopover();
    const who = menu.dataset;
    d.querySelector("form").action = `/people/${who.id}/${item.dataset.path}`;
    d.querySelectorAll("[data-fill=email]").forEach((el) => { el.textContent = who.email; });
    d.querySelectorAll("select[data-pick]").forEach((sel) => {
      const want = who[sel.dataset.pick] || "";
      if ([...sel.options].some((o) => o.value === want)) sel.value = want;
    });
    openDialog(d);
    return;
  }
  const closer = ev.target.closest("[data-close]");
  if (closer) closer.closest("dialog").close();
});

// Seat check of the Invite people dialog (seed 000): more addresses than
// free seats of the chosen license greys the button out and says why.
function checkSeats(form) {
  const text = form.elements.emails.value;
  const n = text.split(/[\s,;]+/).filter(Boolean).length;
  const sendNow = !form.elements.mode || form.elements.mode.value !== "prepare";
  const lic = form.elements.license;
  const opt = lic ? lic.selectedOptions[0] : null;
  const msg = form.querySelector("[data-seat-msg]");
  const button = form.querySelector("[data-submit]");
  let problem = "";
  if (sendNow && opt && opt.dataset.available !== undefined) {
    const free = Number(opt.dataset.available);
    if (n > free) {
      problem = `You entered ${n} addresses but only ${free} ${opt.dataset.name} license${free === 1 ? " is" : "s are"} free. ` +
        "Remove some addresses, pick another license type, or save them as prepared users. To add licenses, contact your account manager.";
    }
  }
  const left = form.dataset.trialLeft;
  if (!problem && sendNow && left !== undefined && n > Number(left)) {
    problem = `Your free trial has ${left} invitation${left === "1" ? "" : "s"} left and you entered ${n} addresses.`;
  }
  button.disabled = problem !== "";
  button.textContent = sendNow ? "Send invitations" : "Save as prepared";
  msg.textContent = problem || (n ? `${n} address${n === 1 ? "" : "es"}.` : "");
  msg.classList.toggle("bad", problem !== "");
}

function updateBulk() {
  const b = document.querySelector("[data-bulk]");
  if (!b) return;
  const n = document.querySelectorAll("input[name=ids]:checked").length;
  b.disabled = n === 0;
  b.textContent = n ? `Send invitations to ${n} selected` : "Send invitations to selected";
}

document.addEventListener("input", (ev) => {
  const form = ev.target.closest("form[data-seat-check]");
  if (form) checkSeats(form);
});

document.addEventListener("change", (ev) => {
  const form = ev.target.closest("form[data-seat-check]");
  if (form) checkSeats(form);
  if (ev.target.matches("[data-select-all]")) {
    document.querySelectorAll("input[name=ids]").forEach((c) => { c.checked = ev.target.checked; });
  }
  if (ev.target.matches("input[name=ids], [data-select-all]")) updateBulk();
});

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("form[data-seat-check]").forEach(checkSeats);
  document.querySelectorAll("dialog[data-open]").forEach(openDialog);
  updateBulk();
});
