package learning

import (
	"slices"
	"strings"
)

// Disciplines of a job: what kind of work it is, beside its level (the segment). A job with no
// title has none ("").
const (
	DisciplineEngineering = "engineering"
	DisciplineData        = "data"
	DisciplineDesign      = "design"
	DisciplineProduct     = "product"
	DisciplineSales       = "sales"
	DisciplineMarketing   = "marketing"
	DisciplineOperations  = "operations"
	DisciplineFinance     = "finance"
	DisciplinePeople      = "people"
	DisciplineSupport     = "support"
	DisciplineOther       = "other"
)

// DisciplineRulesVersion is the version of disciplineRules, stored with every event's
// discipline so that a later change of the rules can tell which events it would classify
// differently. Bump it with every change of the table.
const DisciplineRulesVersion = 1

// Disciplines lists the disciplines in display order.
func Disciplines() []string {
	return []string{DisciplineEngineering, DisciplineData, DisciplineDesign, DisciplineProduct, DisciplineSales,
		DisciplineMarketing, DisciplineOperations, DisciplineFinance, DisciplinePeople, DisciplineSupport, DisciplineOther}
}

// disciplineRules is the one table of discipline words, in precedence order: the first rule
// with a phrase among the title's words wins (whole words, as the segment rules: "Internal",
// "Dataset" or "Salesforce" match nothing by accident). The first rules are the specific
// phrases that contain another discipline's word; the decisions they encode:
//   - "Sales Engineer", "Solutions Engineer/Architect", "Pre-sales": sales. The role carries a
//     quota and answers an application as a seller does, whatever its technical depth.
//   - "Support Engineer", "Customer Success Engineer": support (the job is the customer's).
//   - "Product Engineer", "Technical Program Manager": engineering.
//   - "Product Marketing", "Marketing Operations": marketing; "Sales Operations": sales;
//     "People Operations": people; "Product Analyst", "Marketing Analytics": data.
//   - "Data Entry", "Data Center": operations (clerical and facilities work, not data).
//   - "Product Designer": design (design comes before product); "Data Engineer" and "Machine
//     Learning Engineer": data (data comes before engineering); "Engineering Manager":
//     engineering; "Technical Writer": engineering (it sits in the engineering org).
//   - A title no rule names ("Analyst", "Consultant", "Leadership Development Program
//     Analyst") is other.
//
// Extend it here, and bump DisciplineRulesVersion.
var disciplineRules = []struct {
	discipline string
	phrases    []string
}{
	{DisciplineSales, []string{"sales engineer", "sales engineering", "solutions engineer", "solutions architect", "solution architect",
		"solutions consultant", "pre sales", "presales", "sales operations", "sales ops", "revenue operations"}},
	{DisciplineSupport, []string{"support engineer", "customer success engineer", "technical support", "it support", "help desk", "helpdesk"}},
	{DisciplineEngineering, []string{"product engineer", "technical program manager", "tpm", "design verification"}},
	{DisciplineMarketing, []string{"product marketing", "marketing operations", "marketing ops"}},
	{DisciplineData, []string{"product analyst", "marketing analytics", "marketing analyst data"}},
	{DisciplineOperations, []string{"data entry", "data center"}},
	{DisciplinePeople, []string{"people operations", "people ops", "people partner", "people", "recruiter", "recruiting", "recruitment",
		"talent acquisition", "talent", "sourcer", "hr", "hrbp", "human resources", "learning and development"}},
	{DisciplineDesign, []string{"designer", "design", "ux", "ui", "user experience", "user research", "ux researcher", "illustrator",
		"art director", "creative director", "motion"}},
	{DisciplineData, []string{"data", "data scientist", "data science", "analytics", "machine learning", "ml", "ai", "business intelligence",
		"bi", "statistician", "research scientist", "applied scientist", "quantitative", "quant", "deep learning", "computer vision", "nlp"}},
	{DisciplineProduct, []string{"product manager", "product management", "product owner", "product lead", "product", "cpo"}},
	{DisciplineEngineering, []string{"engineer", "engineers", "engineering", "developer", "development engineer", "software", "swe", "sre",
		"devops", "programmer", "architect", "qa", "quality assurance", "tester", "sdet", "frontend", "front end", "backend", "back end",
		"full stack", "fullstack", "ios", "android", "firmware", "embedded", "infrastructure", "security", "technical writer", "cto",
		"sysadmin", "systems administrator", "network administrator", "webmaster", "tech lead", "it"}},
	{DisciplineSales, []string{"sales", "account executive", "account manager", "account director", "business development", "bdr", "sdr",
		"sales development", "inside sales", "key account", "partnerships", "channel partner", "salesperson", "cro"}},
	{DisciplineMarketing, []string{"marketing", "marketer", "seo", "sem", "content", "copywriter", "brand", "communications", "comms",
		"public relations", "social media", "demand generation", "lead generation", "growth marketing", "community manager", "cmo"}},
	{DisciplineFinance, []string{"finance", "financial", "accountant", "accounting", "controller", "fp", "treasury", "tax", "audit", "auditor",
		"payroll", "bookkeeper", "billing", "accounts payable", "accounts receivable", "cfo", "investment"}},
	{DisciplineSupport, []string{"support", "customer success", "customer service", "customer experience", "customer care",
		"client services", "service desk"}},
	{DisciplineOperations, []string{"operations", "ops", "logistics", "supply chain", "procurement", "purchasing", "office manager",
		"administrative", "administrator", "executive assistant", "clerk", "warehouse", "facilities", "program manager", "project manager",
		"business operations", "coo", "chief operating officer", "business analyst", "legal", "paralegal", "counsel", "compliance"}},
}

// DisciplineFromJob returns the discipline of a job: its normalized_title if present, else its
// title. It returns "" (none) for no job or no title.
func DisciplineFromJob(title, normalizedTitle string) string {
	t := normalizedTitle
	if strings.TrimSpace(t) == "" {
		t = title
	}
	return DisciplineOf(t)
}

// DisciplineOf classifies one title.
func DisciplineOf(title string) string {
	words := titleWords(title)
	if len(words) == 0 {
		return ""
	}
	padded := " " + strings.Join(words, " ") + " "
	for _, rule := range disciplineRules {
		for _, p := range rule.phrases {
			if hasPhrase(padded, p) {
				return rule.discipline
			}
		}
	}
	return DisciplineOther
}

// ValidDiscipline reports whether d is a discipline (or "" for none).
func ValidDiscipline(d string) bool {
	return d == "" || slices.Contains(Disciplines(), d)
}

// CombinedSegment is the key of a (seniority, discipline) pair in a hint's by_segment:
// "senior/data"; the seniority alone when the discipline is "".
func CombinedSegment(segment, discipline string) string {
	if discipline == "" {
		return segment
	}
	return segment + "/" + discipline
}
