package seeds

import (
	"github.com/applylens/learning/app/learning"
	"github.com/applylens/learning/app/models"
)

// Styles are the generation styles the demo uses: the original service's three (as its
// migration seeded them) and the three its docs and tests also name. Seeding inserts the
// missing ones and leaves existing rows alone.
func Styles() []models.GenStyle {
	return []models.GenStyle{
		{ID: "concise_bullets_v1", Name: "Concise Bullets", Temperature: 0.5, Tone: "concise", Format: "bullets", LengthHint: "short",
			KeywordsJSON: models.NewJSON([]string{"impact", "metrics", "ownership"}), PriorWeight: 1},
		{ID: "narrative_para_v1", Name: "Narrative Paragraph", Temperature: 0.7, Tone: "narrative", Format: "paragraph", LengthHint: "medium",
			KeywordsJSON: models.NewJSON([]string{"story", "motivation", "team"}), PriorWeight: 1},
		{ID: "confident_detailed_v1", Name: "Confident & Detailed", Temperature: 0.6, Tone: "confident", Format: "bullets", LengthHint: "long",
			KeywordsJSON: models.NewJSON([]string{"leadership", "scale", "results"}), PriorWeight: 1},
		{ID: "friendly_bullets_v1", Name: "Friendly Bullets", Temperature: 0.7, Tone: "friendly", Format: "bullets", LengthHint: "short",
			KeywordsJSON: models.NewJSON([]string{"curiosity", "collaboration", "learning"}), PriorWeight: 1},
		{ID: "professional_narrative_v1", Name: "Professional Narrative", Temperature: 0.6, Tone: "professional", Format: "paragraph", LengthHint: "medium",
			KeywordsJSON: models.NewJSON([]string{"experience", "alignment", "mission"}), PriorWeight: 1},
		{ID: "concise_bullets_v2", Name: "Concise Bullets v2", Temperature: 0.4, Tone: "concise", Format: "bullets", LengthHint: "short",
			KeywordsJSON: models.NewJSON([]string{"impact", "metrics", "skills"}), PriorWeight: 1},
	}
}

// styleIDs lists the style ids in the order of Styles.
var styleIDs = func() []string {
	var ids []string
	for _, s := range Styles() {
		ids = append(ids, s.ID)
	}
	return ids
}()

// answerLength is the typical length in characters of a generated answer, by length hint.
var answerLength = map[string]float64{"short": 320, "medium": 620, "long": 950}

// Ground-truth helpful rates: a base per style, plus an effect per segment and per family
// (the family effects are drawn per seed around these leanings), plus a per-form deviation.
var (
	styleBase = map[string]float64{
		"concise_bullets_v1": 0.55, "narrative_para_v1": 0.49, "confident_detailed_v1": 0.52,
		"friendly_bullets_v1": 0.53, "professional_narrative_v1": 0.54, "concise_bullets_v2": 0.57,
	}
	segmentEffect = map[string]map[string]float64{
		learning.SegmentIntern:  {"friendly_bullets_v1": 0.11, "narrative_para_v1": 0.05, "confident_detailed_v1": -0.09, "professional_narrative_v1": -0.03},
		learning.SegmentJunior:  {"friendly_bullets_v1": 0.06, "concise_bullets_v2": 0.03, "confident_detailed_v1": -0.04},
		learning.SegmentSenior:  {"confident_detailed_v1": 0.09, "professional_narrative_v1": 0.05, "friendly_bullets_v1": -0.06, "concise_bullets_v1": -0.02},
		learning.SegmentDefault: {"concise_bullets_v2": 0.02, "professional_narrative_v1": 0.01},
	}
	// familyLeaning: corporate ATSs reward formal prose, start-up ones short bullets.
	familyLeaning = map[string]map[string]float64{
		"workday":         {"professional_narrative_v1": 0.06, "concise_bullets_v2": -0.03},
		"icims":           {"professional_narrative_v1": 0.05, "narrative_para_v1": 0.02},
		"greenhouse":      {"concise_bullets_v2": 0.03, "confident_detailed_v1": 0.02},
		"ashby":           {"concise_bullets_v1": 0.04, "friendly_bullets_v1": 0.03},
		"lever":           {"concise_bullets_v2": 0.02, "narrative_para_v1": 0.02},
		"smartrecruiters": {"professional_narrative_v1": 0.03},
		"bamboohr":        {"friendly_bullets_v1": 0.04},
		"jobvite":         {"narrative_para_v1": 0.03},
		"workable":        {"friendly_bullets_v1": 0.02, "concise_bullets_v1": 0.02},
		"":                {"narrative_para_v1": 0.02},
	}
)

// segmentShare is how often a job of each segment comes up (before a company's own lean), in
// segment index order (intern, junior, senior, default). With the share of runs that have no
// job, it sets the demo's segment distribution.
var segmentShare = [4]float64{0.08, 0.21, 0.355, 0.355}

// Job is a posting an event was for: the extension sends its title and, when it recognised
// the role, a normalised title.
type Job struct {
	Title           string `json:"title"`
	NormalizedTitle string `json:"normalized_title,omitempty"`
	// Discipline is the discipline the demo generates the title as (learning's rules must
	// agree: a test checks every title); never sent.
	Discipline string `json:"-"`
}

// jobTitles lists realistic titles by the segment learning.SegmentFromJob gives them (a test
// keeps each list honest). The default list holds titles the original classified wrongly by
// substring ("Internal", "International", "SRE", "Sentry", "Leadership").
var jobTitles = map[string][]Job{
	learning.SegmentIntern: {
		{Title: "Software Engineering Intern", Discipline: "engineering"},
		{Title: "Software Engineer Intern, Summer 2026", Discipline: "engineering"},
		{Title: "Data Science Intern", Discipline: "data"},
		{Title: "Product Design Intern", Discipline: "design"},
		{Title: "Marketing Intern (Fall)", Discipline: "marketing"},
		{Title: "Machine Learning Internship", Discipline: "data"},
		{Title: "Co-op, Embedded Systems", Discipline: "engineering"},
		{Title: "Finance Intern", Discipline: "finance"},
		{Title: "Apprentice Software Developer", Discipline: "engineering"},
		{Title: "Werkstudent Backend (m/w/d)", Discipline: "engineering"},
		{Title: "SWE Intern - Infra", NormalizedTitle: "Software Engineering Intern", Discipline: "engineering"},
		{Title: "Research Intern, Applied AI", Discipline: "data"},
		{Title: "Product Management Intern", Discipline: "product"},
		{Title: "Graduate Trainee, Operations", Discipline: "operations"},
	},
	learning.SegmentJunior: {
		{Title: "Junior Software Engineer", Discipline: "engineering"},
		{Title: "Jr. Frontend Developer", Discipline: "engineering"},
		{Title: "Entry Level Data Analyst", Discipline: "data"},
		{Title: "Graduate Software Engineer", Discipline: "engineering"},
		{Title: "New Grad Software Engineer 2026", Discipline: "engineering"},
		{Title: "Associate Engineer, Platform", Discipline: "engineering"},
		{Title: "Junior Product Designer", Discipline: "design"},
		{Title: "Jr QA Engineer", Discipline: "engineering"},
		{Title: "Early Career Backend Engineer", Discipline: "engineering"},
		{Title: "SWE I (New Grad)", NormalizedTitle: "Junior Software Engineer", Discipline: "engineering"},
		{Title: "Junior DevOps Engineer", Discipline: "engineering"},
		{Title: "Entry-Level Customer Success Associate", Discipline: "support"},
		{Title: "Junior Data Engineer", Discipline: "data"},
	},
	learning.SegmentSenior: {
		{Title: "Senior Software Engineer", Discipline: "engineering"},
		{Title: "Sr. Backend Engineer, Payments", Discipline: "engineering"},
		{Title: "Staff Engineer, Infrastructure", Discipline: "engineering"},
		{Title: "Principal Product Manager", Discipline: "product"},
		{Title: "Engineering Manager, Growth", Discipline: "engineering"},
		{Title: "Lead Data Scientist", Discipline: "data"},
		{Title: "Senior Product Designer", Discipline: "design"},
		{Title: "Director of Engineering", Discipline: "engineering"},
		{Title: "Head of Data", Discipline: "data"},
		{Title: "Senior Site Reliability Engineer", Discipline: "engineering"},
		{Title: "Sr SWE - Search (Remote, US)", NormalizedTitle: "Senior Software Engineer", Discipline: "engineering"},
		{Title: "Solutions Architect", Discipline: "sales"},
		{Title: "Staff Machine Learning Engineer", Discipline: "data"},
		{Title: "VP, Marketing", Discipline: "marketing"},
		{Title: "Senior Frontend Engineer (React)", Discipline: "engineering"},
		{Title: "Product Manager, Checkout", Discipline: "product"},
		{Title: "Tech Lead, Mobile", Discipline: "engineering"},
	},
	learning.SegmentDefault: {
		{Title: "Software Engineer", Discipline: "engineering"},
		{Title: "Backend Engineer (Go)", Discipline: "engineering"},
		{Title: "Frontend Engineer", Discipline: "engineering"},
		{Title: "Data Scientist", Discipline: "data"},
		{Title: "Product Designer", Discipline: "design"},
		{Title: "Site Reliability Engineer (SRE)", Discipline: "engineering"},
		{Title: "Internal Tools Engineer", Discipline: "engineering"},
		{Title: "International Sales Representative", Discipline: "sales"},
		{Title: "Account Executive", Discipline: "sales"},
		{Title: "Data Engineer", Discipline: "data"},
		{Title: "Machine Learning Engineer", Discipline: "data"},
		{Title: "Customer Success Specialist", Discipline: "support"},
		{Title: "Full Stack Developer", Discipline: "engineering"},
		{Title: "Sentry Integrations Developer", Discipline: "engineering"},
		{Title: "Leadership Development Program Analyst", Discipline: "other"},
		{Title: "Software Engineer II", NormalizedTitle: "Software Engineer", Discipline: "engineering"},
		{Title: "Security Engineer", Discipline: "engineering"},
		{Title: "iOS Engineer", Discipline: "engineering"},
		{Title: "Technical Writer", Discipline: "engineering"},
		{Title: "Recruiter", Discipline: "people"},
	},
}

// familyCatalog describes each ATS family: how popular it is among forms, the hosts it serves
// forms from ("{c}" is the company's slug) and its field selectors.
type familyCatalog struct {
	family    string // "" for a company's own careers site
	weight    float64
	hosts     []hostPattern
	selectors map[string]string // canonical field → selector
	question  string            // selector of a free-text question: %d is its number
}

type hostPattern struct {
	pattern string
	weight  float64
}

// customFamily labels company career sites in no family in the catalog (its family is "").
const customFamily = ""

var families = []familyCatalog{
	{family: "greenhouse", weight: 0.22,
		hosts: []hostPattern{{"boards.greenhouse.io", 0.65}, {"job-boards.greenhouse.io", 0.35}},
		selectors: map[string]string{
			"first_name": "#first_name", "last_name": "#last_name", "email": "#email", "phone": "#phone",
			"resume": "#resume", "cover_letter": "#cover_letter", "location": "#job_application_location",
			"linkedin_url": "#job_application_answers_attributes_0_text_value", "work_authorization": "#job_application_answers_attributes_1_boolean_value",
			"gender": "#job_application_gender", "veteran_status": "#job_application_veteran_status",
		},
		question: "#job_application_answers_attributes_%d_text_value"},
	{family: "lever", weight: 0.15,
		hosts: []hostPattern{{"jobs.lever.co", 0.85}, {"jobs.eu.lever.co", 0.15}},
		selectors: map[string]string{
			"full_name": `input[name="name"]`, "email": `input[name="email"]`, "phone": `input[name="phone"]`,
			"current_company": `input[name="org"]`, "linkedin_url": `input[name="urls[LinkedIn]"]`,
			"github_url": `input[name="urls[GitHub]"]`, "portfolio_url": `input[name="urls[Portfolio]"]`,
			"resume": `input[name="resume"]`, "additional_info": `textarea[name="comments"]`, "pronouns": `input[name="pronouns"]`,
		},
		question: `textarea[name="cards[a1b2c3d4][field%d]"]`},
	{family: "workday", weight: 0.15,
		hosts: []hostPattern{{"{c}.wd1.myworkdayjobs.com", 0.45}, {"{c}.wd5.myworkdayjobs.com", 0.4}, {"wd3.myworkdaysite.com", 0.15}},
		selectors: map[string]string{
			"first_name": `input[data-automation-id="legalNameSection_firstName"]`, "last_name": `input[data-automation-id="legalNameSection_lastName"]`,
			"email": `input[data-automation-id="email"]`, "phone": `input[data-automation-id="phone-number"]`,
			"location": `input[data-automation-id="addressSection_city"]`, "resume": `input[data-automation-id="file-upload-input-ref"]`,
			"how_did_you_hear": `button[data-automation-id="sourceDropdown"]`, "sponsorship": `div[data-automation-id="visaSponsorship"] input`,
			"linkedin_url": `input[data-automation-id="linkedinQuestion"]`,
		},
		question: `textarea[data-automation-id="questionnaire-%d"]`},
	{family: "ashby", weight: 0.09,
		hosts: []hostPattern{{"jobs.ashbyhq.com", 1}},
		selectors: map[string]string{
			"full_name": "#_systemfield_name", "email": "#_systemfield_email", "resume": "#_systemfield_resume",
			"phone": `input[name="3f1c9a2e-phone"]`, "linkedin_url": `input[name="7d2e41b0-linkedin"]`,
			"location": `input[name="c08b5d13-location"]`, "salary_expectation": `input[name="5aa1e7f2-salary"]`,
		},
		question: `textarea[name="q-%d"]`},
	{family: "smartrecruiters", weight: 0.07,
		hosts: []hostPattern{{"jobs.smartrecruiters.com", 1}},
		selectors: map[string]string{
			"first_name": `input[name="firstName"]`, "last_name": `input[name="lastName"]`, "email": `input[name="email"]`,
			"phone": `input[name="phoneNumber"]`, "location": `input[name="location"]`, "resume": `input[type="file"][name="resume"]`,
			"linkedin_url": `input[name="linkedIn"]`, "current_title": `input[name="currentJobTitle"]`,
		},
		question: "#spl-form-element_%d"},
	{family: "bamboohr", weight: 0.06,
		hosts: []hostPattern{{"{c}.bamboohr.com", 1}},
		selectors: map[string]string{
			"first_name": "#firstName", "last_name": "#lastName", "email": "#email", "phone": "#phone",
			"location": "#city", "resume": "#resumeFileId", "cover_letter": "#coverLetterFileId",
			"linkedin_url": "#linkedinUrl", "salary_expectation": "#desiredPay", "start_date": "#dateAvailable",
		},
		question: "#customQuestion_%d"},
	{family: "icims", weight: 0.05,
		hosts: []hostPattern{{"careers-{c}.icims.com", 0.7}, {"uscareers-{c}.icims.com", 0.3}},
		selectors: map[string]string{
			"first_name": "#PersonProfileFields\\.FirstName", "last_name": "#PersonProfileFields\\.LastName",
			"email": "#PersonProfileFields\\.Email", "phone": "#PersonProfileFields\\.PhoneNumber",
			"location": "#PersonProfileFields\\.AddressCity", "resume": "#ResumeUpload", "veteran_status": "#EEOVeteranStatus",
		},
		question: "#RequisitionQuestions_%d"},
	{family: "jobvite", weight: 0.04,
		hosts: []hostPattern{{"jobs.jobvite.com", 1}},
		selectors: map[string]string{
			"first_name": "#jv-field-firstname", "last_name": "#jv-field-lastname", "email": "#jv-field-email",
			"phone": "#jv-field-phone", "resume": "#jv-resume-upload", "linkedin_url": "#jv-field-linkedin",
			"how_did_you_hear": "#jv-field-source",
		},
		question: "#jv-field-question-%d"},
	{family: "workable", weight: 0.04,
		hosts: []hostPattern{{"apply.workable.com", 1}},
		selectors: map[string]string{
			"first_name": `input[name="firstname"]`, "last_name": `input[name="lastname"]`, "email": `input[name="email"]`,
			"phone": `input[name="phone"]`, "resume": `input[name="resume"]`, "cover_letter": `textarea[name="cover_letter"]`,
			"location": `input[name="address"]`, "salary_expectation": `input[name="QA_salary"]`,
		},
		question: `textarea[name="QA_%d"]`},
	{family: customFamily, weight: 0.13,
		hosts: []hostPattern{{"careers.{c}.com", 0.4}, {"jobs.{c}.com", 0.25}, {"www.{c}.com", 0.2}, {"{c}.io", 0.15}},
		selectors: map[string]string{
			"first_name": "#applicant-first-name", "last_name": "#applicant-last-name", "email": "#applicant-email",
			"phone": `input[name="candidate[phone]"]`, "resume": `input[name="candidate[resume]"]`,
			"linkedin_url": `input[name="candidate[linkedin]"]`, "location": `select[name="candidate[location]"]`,
			"website": `input[name="candidate[website]"]`,
		},
		question: `textarea[name="candidate[answers][%d]"]`},
}

// questionFields are the free-text questions a generation style answers.
var questionFields = []string{"why_company", "why_role", "relevant_experience", "additional_info", "cover_letter_text", "biggest_achievement"}

// companyNames are the first words of company slugs; more companies combine them with
// companySuffixes.
var (
	companyNames = []string{
		"northwind", "contoso", "fabrikam", "tailspin", "wingtip", "litware", "proseware", "lamna",
		"woodgrove", "alpine", "coho", "lucerne", "southridge", "vanarsdel", "wideworld", "adatum",
		"globex", "initech", "hooli", "vandelay", "soylent", "cyberdyne", "tyrell", "wonka",
		"aperture", "oscorp", "umbrella", "stark", "wayne", "monarch", "bluth", "gringotts",
		"pied-piper", "dunder", "massive", "nakatomi", "octan", "prestige", "sterling", "weyland",
		"zephyr", "quantia", "brightloop", "cloudberry", "datapine", "emberly", "fluxion", "gridwise",
		"helio", "ionix", "jetstream", "kinetica", "lumen", "meridian", "nimbus", "orbital",
	}
	companySuffixes = []string{"labs", "health", "ai", "systems", "bank", "energy", "robotics", "media", "foods", "cloud", "bio", "logistics"}
)
