package admin

import (
	"fmt"
	"strings"

	"github.com/applylens/learning/app/report"
	"github.com/applylens/learning/views/components"
	"github.com/applylens/learning/views/pages"
)

// stylesVM lists the styles with their use; saved is "created" or "updated" after a save.
func stylesVM(rows []report.StyleRow, saved string) pages.StylesPageVM {
	vm := pages.StylesPageVM{NewURL: PathStyleNew,
		Window: fmt.Sprintf("%d days", report.StyleUsageDays), PriorWeightNote: priorWeightNote}
	switch saved {
	case "created":
		vm.Flash = "Style created."
	case "updated":
		vm.Flash = "Style saved."
	}
	for _, r := range rows {
		s := r.Style
		vm.Rows = append(vm.Rows, pages.StyleRowVM{ID: s.ID, Name: s.Name, Temperature: fmt.Sprintf("%.2f", s.Temperature),
			Tone: s.Tone, Format: s.Format, Length: s.LengthHint, Keywords: orDash(strings.Join(s.KeywordsJSON.V, ", ")),
			PriorWeight: fmt.Sprintf("%.2f", s.PriorWeight), Runs: fmtInt(r.Usage.Runs), Ratio: fmtRatio(r.Usage.HelpfulRatio()),
			EditURL: pathFor(PathStyle, s.ID)})
	}
	return vm
}

// styleFormVM fills the form page.
func styleFormVM(f styleForm, errs map[string]string, isNew bool) pages.StyleFormPageVM {
	field := func(name, label, value, hint string) components.Field {
		return components.Field{Name: name, Label: label, Value: value, Error: errs[name], Hint: hint}
	}
	vm := pages.StyleFormPageVM{
		IsNew: isNew, CancelURL: PathStyles,
		ID:          field("id", "Id", f.ID, "Lower-case letters, digits and _. It cannot change later."),
		Name:        field("name", "Name", f.Name, ""),
		Temperature: field("temperature", "Temperature", f.Temperature, "0 to 2: higher is more varied."),
		Tone:        field("tone", "Tone", f.Tone, "e.g. concise, narrative, confident"),
		Format:      field("format", "Format", f.Format, "e.g. bullets, paragraph"),
		LengthHint:  field("length_hint", "Length", f.LengthHint, ""),
		Keywords:    field("keywords", "Keywords", f.Keywords, "Separated by commas."),
		PriorWeight: field("prior_weight", "Prior weight", f.PriorWeight, priorWeightNote),
	}
	for _, l := range lengthHints {
		vm.Lengths = append(vm.Lengths, components.Option{Value: l, Label: l, Selected: l == f.LengthHint})
	}
	if len(errs) > 0 {
		vm.FormError = "Some fields need fixing: see the messages next to them."
	}
	return vm
}
