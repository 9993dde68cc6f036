package web

import (
	"net/http"

	"roster/internal/roster"
)

// numberForm is the add-a-number form as the admin typed it.
type numberForm struct {
	Number, Label string
	Main          bool
}

// numbersData is the phone numbers page's template data.
type numbersData struct {
	Numbers []roster.PhoneNumber
	Add     numberForm
	// Errs are the add form's field errors; Problem its overall message.
	Errs    map[string]string
	Problem string
	// LabelErr refuses a label edit of the number LabelFor; LabelTyped is
	// what was typed, shown again.
	LabelErr, LabelFor, LabelTyped string
}

// numbersPage lists the org's numbers (telephony.manage): add, label, make
// main, delete.
func (c *Console) numbersPage(w http.ResponseWriter, r *http.Request, s *session) error {
	return c.renderNumbers(w, r, s, &numbersData{}, http.StatusOK)
}

func (c *Console) renderNumbers(w http.ResponseWriter, r *http.Request, s *session, d *numbersData, status int) error {
	if err := s.P.Require(roster.PermTelephonyManage); err != nil {
		return err
	}
	numbers, err := c.svc.PhoneNumbers(r.Context(), s.P)
	if err != nil {
		return err
	}
	d.Numbers = numbers
	if d.Errs == nil {
		d.Errs = map[string]string{}
	}
	c.render(w, r, s, status, "phone_numbers", "Phone numbers", d)
	return nil
}

func (c *Console) numberAddSubmit(w http.ResponseWriter, r *http.Request, s *session) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	f := numberForm{Number: r.PostFormValue("number"), Label: r.PostFormValue("label"), Main: r.PostFormValue("main") != ""}
	n, err := c.svc.AddPhoneNumber(r.Context(), s.P, f.Number, f.Label, f.Main)
	if err != nil {
		errs, problem, ok := fieldErrors(err)
		if !ok {
			return err
		}
		return c.renderNumbers(w, r, s, &numbersData{Add: f, Errs: errs, Problem: problem}, statusOf(err))
	}
	msg := n.Number + " is added."
	if n.Main {
		msg = n.Number + " is added as the main number."
	}
	return c.redirectWith(w, r, "/phone-numbers", flash{Message: msg})
}

// numberUpdateSubmit saves a number's label, or makes it the main number.
func (c *Console) numberUpdateSubmit(w http.ResponseWriter, r *http.Request, s *session) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	id := r.PathValue("id")
	var (
		label *string
		main  *bool
	)
	if _, ok := r.PostForm["label"]; ok {
		v := r.PostFormValue("label")
		label = &v
	}
	if r.PostFormValue("main") != "" {
		yes := true
		main = &yes
	}
	n, err := c.svc.UpdatePhoneNumber(r.Context(), s.P, id, label, main)
	if err != nil {
		errs, _, ok := fieldErrors(err)
		if !ok || label == nil {
			return err
		}
		return c.renderNumbers(w, r, s, &numbersData{LabelErr: errs["label"], LabelFor: id, LabelTyped: *label}, statusOf(err))
	}
	msg := "The label of " + n.Number + " is saved."
	if main != nil {
		msg = n.Number + " is now the main number: it is the caller ID of everyone who chose none."
	}
	return c.redirectWith(w, r, "/phone-numbers", flash{Message: msg})
}

func (c *Console) numberDeleteSubmit(w http.ResponseWriter, r *http.Request, s *session) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	id := r.PathValue("id")
	var number string
	numbers, err := c.svc.PhoneNumbers(r.Context(), s.P)
	if err != nil {
		return err
	}
	for _, n := range numbers {
		if n.ID == id {
			number = n.Number
		}
	}
	if err := c.svc.DeletePhoneNumber(r.Context(), s.P, id); err != nil {
		return err
	}
	return c.redirectWith(w, r, "/phone-numbers", flash{Message: number + " is deleted; users who had it as caller ID now show the main number."})
}
