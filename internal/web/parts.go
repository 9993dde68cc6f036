package web

import (
	"html/template"

	"roster/internal/roster"
)

// menuItem is one entry of a user's "⋯" menu; it opens Dialog, whose form
// posts to /people/{id}/Path.
type menuItem struct {
	Label, Dialog, Path string
}

// menuItems are the actions the caller may take on u in its status. What
// the server would refuse is never offered (the server refuses it anyway).
func menuItems(u *roster.User, can actions) []menuItem {
	var items []menuItem
	add := func(ok bool, label, dialog, path string) {
		if ok {
			items = append(items, menuItem{label, dialog, path})
		}
	}
	if can.Trial {
		add(can.Manage && u.Status == roster.StatusActive, "Disable user", "dlg-disable", "disable")
		return items
	}
	switch u.Status {
	case roster.StatusActive:
		add(can.Manage, "Manage role and license", "dlg-role", "role")
		add(can.Manage, "Disable user", "dlg-disable", "disable")
		add(can.Manage, "Reset password", "dlg-reset", "reset-password")
		add(can.Manage, "Delete", "dlg-delete", "delete")
	case roster.StatusInvited:
		add(can.Invite, "Resend invite", "dlg-resend", "resend")
		add(can.Invite, "Cancel invite", "dlg-cancel", "cancel")
	case roster.StatusPrepared:
		add(can.Invite, "Send invite", "dlg-send", "send-invite")
		add(can.Manage, "Manage role and license", "dlg-role", "role")
		add(can.Manage, "Delete", "dlg-delete", "delete")
	case roster.StatusInactive:
		add(can.Manage, "Re-enable", "dlg-enable", "enable")
		add(can.Manage, "Delete", "dlg-delete", "delete")
	}
	return items
}

// menuCtx is what the "menu" template needs for one user.
type menuCtx struct {
	Row   personRow
	Items []menuItem
}

// dialogCtx is what the "dialogs" template needs.
type dialogCtx struct {
	Lookups *orgLookups
	Can     actions
	Back    string
}

// partFuncs are the template functions of the shared parts.
func partFuncs() template.FuncMap {
	return template.FuncMap{
		"menu": func(row personRow, can actions) menuCtx {
			return menuCtx{Row: row, Items: menuItems(&row.User, can)}
		},
		"confirm": func(id, title, back, button, class, kind string) confirmCtx {
			return confirmCtx{ID: id, Title: title, Back: back, Button: button, Class: class, Body: confirmBodies[kind]}
		},
		"dialogs": func(l *orgLookups, can actions, back string) dialogCtx {
			return dialogCtx{Lookups: l, Can: can, Back: back}
		},
	}
}

// confirmCtx is one confirmation dialog.
type confirmCtx struct {
	ID, Title, Back, Button, Class string
	Body                           template.HTML
}

// confirmBodies explain what each confirmed action does before the admin
// commits to it (seeds 000, 001 and 003).
var confirmBodies = map[string]template.HTML{
	"disable": `<ul><li>They can no longer sign in; their sessions and API tokens end at once.</li>` +
		`<li>They are removed from every queue.</li><li>Their calls, messages and history are kept.</li>` +
		`<li>Their license seat is freed. You can re-enable them later from the Inactive tab.</li></ul>`,
	"reset": `<p>They get an email with a single-use link to choose a new password. Their current password keeps working until they do.</p>`,
	"delete": `<p><strong>This cannot be undone.</strong> The user is removed for good; the audit log keeps a record of them. ` +
		`To only stop their access, disable them instead.</p>`,
	"send":   `<p>They get an email with a link to set their name and password. The invitation takes a license seat if they have a license type.</p>`,
	"resend": `<p>They get a new email with a fresh link and a new expiry date. The old link stops working.</p>`,
	"cancel": `<p>The invitation link stops working, the person is removed from the list and their seat is freed. ` +
		`On a free trial it still counts towards the 15 invitations.</p>`,
}
