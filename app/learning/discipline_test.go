package learning_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/applylens/learning/app/learning"
)

// TestDisciplineTitles classifies real-looking titles, the tricky ones included.
func TestDisciplineTitles(t *testing.T) {
	cases := map[string]string{
		// engineering
		"Software Engineer": "engineering", "Senior Software Engineer": "engineering", "Sr. Backend Engineer, Payments": "engineering",
		"Staff Engineer, Infrastructure": "engineering", "Frontend Developer": "engineering", "Full Stack Developer": "engineering",
		"Full-Stack Engineer (Node/React)": "engineering", "iOS Engineer": "engineering", "Android Developer": "engineering",
		"Site Reliability Engineer (SRE)": "engineering", "DevOps Engineer": "engineering", "QA Engineer": "engineering",
		"Quality Assurance Analyst": "engineering", "SDET II": "engineering", "Security Engineer": "engineering",
		"Firmware Engineer": "engineering", "Co-op, Embedded Systems": "engineering", "Werkstudent Backend (m/w/d)": "engineering",
		"Engineering Manager, Growth": "engineering", "Director of Engineering": "engineering", "Tech Lead, Mobile": "engineering",
		"Internal Tools Engineer": "engineering", "Sentry Integrations Developer": "engineering", "Technical Writer": "engineering",
		"Product Engineer": "engineering", "Technical Program Manager": "engineering", "CTO": "engineering",
		"IT Systems Administrator": "engineering", "Platform Engineer": "engineering", "Apprentice Software Developer": "engineering",
		"Associate Engineer, Platform": "engineering", "Cloud Infrastructure Engineer": "engineering", "Game Programmer": "engineering",
		"Design Verification Engineer": "engineering", "Mechanical Engineer": "engineering", "SWE Intern - Infra": "engineering",
		"Software Architect": "engineering", "Web Developer (WordPress)": "engineering",
		// data
		"Data Scientist": "data", "Lead Data Scientist": "data", "Data Engineer": "data", "Junior Data Engineer": "data",
		"Data Analyst": "data", "Entry Level Data Analyst": "data", "Machine Learning Engineer": "data",
		"Staff Machine Learning Engineer": "data", "ML Engineer": "data", "Head of Data": "data", "Analytics Engineer": "data",
		"Business Intelligence Developer": "data", "BI Analyst": "data", "Research Scientist, NLP": "data",
		"Applied Scientist": "data", "Quantitative Researcher": "data", "Research Intern, Applied AI": "data",
		"Data Science Intern": "data", "Product Analyst": "data", "Computer Vision Engineer": "data", "Statistician": "data",
		"Marketing Analytics Manager": "data", "Deep Learning Researcher": "data",
		// design
		"Product Designer": "design", "Senior Product Designer": "design", "Junior Product Designer": "design",
		"UX Designer": "design", "UI/UX Designer": "design", "UX Researcher": "design", "User Research Lead": "design",
		"Graphic Designer": "design", "Brand Designer": "design", "Product Design Intern": "design", "Art Director": "design",
		"Creative Director": "design", "Motion Designer": "design", "Illustrator": "design", "Design Lead": "design",
		// product
		"Product Manager": "product", "Principal Product Manager": "product", "Product Manager, Checkout": "product",
		"Product Owner": "product", "Group Product Manager": "product", "Product Management Intern": "product",
		"VP of Product": "product", "Head of Product": "product", "Associate Product Manager": "product",
		// sales
		"Account Executive": "sales", "Enterprise Account Executive": "sales", "International Sales Representative": "sales",
		"Sales Engineer": "sales", "Solutions Engineer": "sales", "Solutions Architect": "sales", "Pre-Sales Consultant": "sales",
		"Sales Development Representative": "sales", "SDR": "sales", "BDR, EMEA": "sales", "Business Development Manager": "sales",
		"Account Manager": "sales", "Key Account Manager": "sales", "Inside Sales Rep": "sales", "Sales Operations Analyst": "sales",
		"Revenue Operations Manager": "sales", "Partnerships Lead": "sales", "VP, Sales": "sales",
		// marketing
		"Marketing Intern (Fall)": "marketing", "VP, Marketing": "marketing", "Product Marketing Manager": "marketing",
		"Content Marketing Manager": "marketing", "SEO Specialist": "marketing", "Copywriter": "marketing",
		"Brand Manager": "marketing", "Communications Manager": "marketing", "Social Media Coordinator": "marketing",
		"Demand Generation Manager": "marketing", "Lead Generation Specialist": "marketing", "Marketing Operations Specialist": "marketing",
		"Growth Marketing Lead": "marketing", "Public Relations Manager": "marketing", "Community Manager": "marketing",
		// operations
		"Operations Manager": "operations", "Graduate Trainee, Operations": "operations", "Data Entry Clerk": "operations",
		"Data Center Technician": "operations", "Logistics Coordinator": "operations", "Supply Chain Analyst": "operations",
		"Procurement Specialist": "operations", "Office Manager": "operations", "Executive Assistant to the CEO": "operations",
		"Project Manager": "operations", "Program Manager": "operations", "Business Operations Associate": "operations",
		"Business Analyst": "operations", "Warehouse Associate": "operations", "Paralegal": "operations", "Legal Counsel": "operations",
		"Compliance Officer": "operations", "Chief Operating Officer": "operations", "Administrative Assistant": "operations",
		// finance
		"Finance Intern": "finance", "Financial Analyst": "finance", "Staff Accountant": "finance", "Senior Accountant": "finance",
		"Controller": "finance", "FP&A Manager": "finance", "Tax Associate": "finance", "Internal Auditor": "finance",
		"Payroll Specialist": "finance", "Accounts Payable Clerk": "finance", "Treasury Analyst": "finance", "CFO": "finance",
		"Billing Specialist": "finance", "Investment Analyst": "finance",
		// people
		"Recruiter": "people", "Technical Recruiter": "people", "Talent Acquisition Partner": "people", "HR Generalist": "people",
		"HRBP": "people", "Human Resources Manager": "people", "People Operations Manager": "people", "Head of People": "people",
		"Sourcer": "people", "Learning and Development Specialist": "people", "People Partner": "people",
		// support
		"Customer Success Specialist": "support", "Entry-Level Customer Success Associate": "support", "Support Engineer": "support",
		"Customer Success Engineer": "support", "Technical Support Specialist": "support", "IT Support Technician": "support",
		"Help Desk Analyst": "support", "Customer Service Representative": "support", "Customer Experience Associate": "support",
		"Customer Care Agent": "support", "Support Specialist (Tier 2)": "support",
		// other
		"Leadership Development Program Analyst": "other", "Consultant": "other", "Analyst": "other", "Teacher": "other",
		"Nurse Practitioner": "other", "Chef": "other", "Research Assistant": "other", "Intern": "other",
		"Salesforce Administrator": "operations", "Dataset Curator": "other", "Uiterwaard Coordinator": "other",
		// none
		"": "", "   ": "", "—": "",
	}
	require.GreaterOrEqual(t, len(cases), 150)
	for title, want := range cases {
		if got := learning.DisciplineOf(title); got != want {
			t.Errorf("title %q: got %q, want %q", title, got, want)
		}
	}
}

func TestDisciplineFromJobPrefersNormalizedTitle(t *testing.T) {
	require.Equal(t, "data", learning.DisciplineFromJob("Sr Eng III", "Senior Data Engineer"))
	require.Equal(t, "engineering", learning.DisciplineFromJob("Senior Software Engineer", " "))
	require.Equal(t, "", learning.DisciplineFromJob("", ""))
}

func TestDisciplinesValid(t *testing.T) {
	for _, d := range learning.Disciplines() {
		require.True(t, learning.ValidDiscipline(d), d)
		require.Equal(t, d, learning.DisciplineOf(d), "a discipline's own name classifies as itself")
	}
	require.True(t, learning.ValidDiscipline(""))
	require.False(t, learning.ValidDiscipline("Data"))
	require.False(t, learning.ValidDiscipline("science"))
	require.Equal(t, "senior/data", learning.CombinedSegment("senior", "data"))
	require.Equal(t, "senior", learning.CombinedSegment("senior", ""))
}

func TestBuildEventDiscipline(t *testing.T) {
	title, norm := "Sr Eng III", "Senior Data Engineer"
	evs := learning.BuildBatch([]learning.SentEvent{{Job: &learning.SentJob{Title: &title, NormalizedTitle: &norm}}, {}}, learning.BatchDefaults{}, time.Now())
	e := evs[0]
	require.Equal(t, "data", *e.Discipline)
	require.EqualValues(t, learning.DisciplineRulesVersion, *e.DisciplineRules)
	require.Equal(t, "senior", *e.SegmentKey)
	e = evs[1]
	require.Nil(t, e.Discipline, "no job, no discipline")
	require.Nil(t, e.DisciplineRules)
}
