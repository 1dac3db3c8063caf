# ruff: noqa: E501  (job descriptions are prose data)
"""Realistic English job descriptions across industries, each with the competencies a recruiter would expect
the question set to cover. Written for the tests; no real employer or person."""

JOBS_EN = [
    (
        "Engineering Manager, Payments",
        "You will lead a team of eight backend engineers building our payments platform. Hire, mentor and grow "
        "engineers, run planning with product, and make sound decisions on architecture trade-offs. Experience with "
        "Java or Go microservices and strong communication skills with senior stakeholders are required.",
        {
            "team_leadership",
            "developing_others",
            "technical_expertise",
            "stakeholder_management",
            "communication",
        },
    ),
    (
        "Customer Service Representative",
        "Answer customer calls and emails, resolve issues on the first contact and keep customer satisfaction high. "
        "You stay calm under pressure, document every case accurately and work well with the team.",
        {"customer_orientation", "problem_solving", "resilience", "attention_to_detail", "teamwork"},
    ),
    (
        "UX Researcher",
        "Plan and run user research: user interviews, usability testing and surveys. Turn insights into clear "
        "recommendations and present findings to product and design partners. You collaborate across functions.",
        {"user_research", "communication", "teamwork"},
    ),
    (
        "Senior Data Analyst",
        "Analyse data from our sales funnel with SQL and Python, build dashboards and define KPIs. Explain complex "
        "findings to non-technical audiences. Strong attention to detail and a problem-solving mindset.",
        {"analytical_thinking", "communication", "attention_to_detail", "problem_solving"},
    ),
    (
        "Registered Nurse, Emergency Department",
        "Provide safe, compassionate care to patients in a fast-paced emergency department. Follow patient safety "
        "protocols, document care accurately, communicate with families and work as part of a multidisciplinary "
        "team under pressure.",
        {
            "safety_awareness",
            "attention_to_detail",
            "communication",
            "teamwork",
            "resilience",
            "adaptability",
        },
    ),
    (
        "Account Executive, SaaS",
        "Own the full sales cycle from prospecting to closing deals with mid-market clients. Build pipeline, "
        "negotiate contract terms and hit quarterly quota. You are self-motivated and results-driven.",
        {"sales", "negotiation", "drive_for_results", "customer_orientation"},
    ),
    (
        "Project Manager, Construction",
        "Manage projects from design to handover: schedule, budget and scope. Coordinate subcontractors and "
        "suppliers, enforce health and safety on site and report progress to the client.",
        {"project_management", "safety_awareness", "customer_orientation", "negotiation"},
    ),
    (
        "Site Reliability Engineer",
        "Keep our Kubernetes platform reliable. Troubleshoot production incidents, find the root cause and automate "
        "fixes. Participate in an on-call rotation and collaborate with development teams on CI/CD.",
        {"technical_expertise", "problem_solving", "teamwork"},
    ),
    (
        "Store Manager, Retail",
        "Lead a team of 20 associates, set weekly sales targets and deliver an excellent customer experience. Train "
        "new staff, schedule shifts and keep the store organised.",
        {
            "team_leadership",
            "sales",
            "customer_orientation",
            "developing_others",
            "planning_and_organisation",
            "drive_for_results",
        },
    ),
    (
        "Financial Auditor",
        "Plan and perform audits in line with regulations and internal policies. Test controls, analyse financial "
        "data with meticulous attention to detail and keep client information confidential. Report findings to "
        "senior management.",
        {
            "integrity",
            "attention_to_detail",
            "analytical_thinking",
            "stakeholder_management",
            "communication",
        },
    ),
    (
        "Product Manager, Mobile",
        "Own the mobile roadmap. Work closely with engineering and design, run A/B testing, prioritise requirements "
        "using data and align stakeholders on the product strategy. You talk to users every week.",
        {
            "project_management",
            "teamwork",
            "analytical_thinking",
            "stakeholder_management",
            "strategic_thinking",
            "decision_making",
        },
    ),
    (
        "Warehouse Shift Supervisor",
        "Supervise a shift of 15 pickers and packers, keep the warehouse safe (PPE, hazard reporting) and hit "
        "productivity targets. Plan the shift, solve problems as they come up and coach new starters.",
        {
            "team_leadership",
            "safety_awareness",
            "drive_for_results",
            "planning_and_organisation",
            "problem_solving",
            "developing_others",
        },
    ),
    (
        "Marketing Specialist",
        "Plan and run campaigns across channels, analyse campaign metrics and propose creative new ideas. You "
        "manage multiple deadlines in a fast-paced environment and collaborate with sales.",
        {"planning_and_organisation", "analytical_thinking", "innovation", "adaptability", "teamwork"},
    ),
    (
        "Procurement Specialist",
        "Source and negotiate with suppliers, manage vendor performance and ensure compliance with purchasing "
        "policies. Analyse spend data and look for process improvement.",
        {"negotiation", "integrity", "analytical_thinking", "innovation"},
    ),
    (
        "Frontend Developer",
        "Build accessible web interfaces with React and TypeScript. Write tests, debug issues across browsers and "
        "collaborate with designers. We value people who learn new technologies quickly.",
        {"technical_expertise", "problem_solving", "teamwork", "learning_agility"},
    ),
    (
        "Hotel Front Office Manager",
        "Lead the front desk team and make every guest welcome. Handle guest complaints with composure, train "
        "receptionists and plan staffing for busy periods.",
        {
            "team_leadership",
            "customer_orientation",
            "resilience",
            "developing_others",
            "planning_and_organisation",
        },
    ),
    (
        "Quality Engineer, Manufacturing",
        "Own quality control on the assembly line: inspect parts, investigate defects to find the root cause and "
        "drive continuous improvement. Work with suppliers and follow safety procedures.",
        {"attention_to_detail", "problem_solving", "innovation", "safety_awareness"},
    ),
    (
        "HR Business Partner",
        "Advise business leaders on people matters, influence senior management, coach managers and keep employee "
        "data confidential. Excellent communication skills and sound judgement.",
        {"stakeholder_management", "developing_others", "integrity", "communication", "decision_making"},
    ),
    (
        "Operations Manager, Logistics",
        "Run daily operations of our distribution network, manage a team of shift leads, analyse KPIs and improve "
        "processes. Make decisions quickly when priorities change.",
        {"team_leadership", "analytical_thinking", "innovation", "decision_making", "adaptability"},
    ),
    (
        "Teacher, Secondary Mathematics",
        "Plan and teach mathematics lessons, communicate with parents and mentor student teachers. Adapt teaching to "
        "different learners and keep accurate records.",
        {
            "planning_and_organisation",
            "communication",
            "developing_others",
            "adaptability",
            "attention_to_detail",
        },
    ),
    (
        "Business Development Manager, Asia",
        "Open new markets in Asia: find new business, build client relationships and negotiate partnerships. "
        "Understand market trends and work with local stakeholders.",
        {"sales", "customer_orientation", "negotiation", "strategic_thinking", "stakeholder_management"},
    ),
    (
        "Machine Learning Engineer",
        "Design and ship machine learning models in Python. Analyse data, run experiments and explain results to "
        "product teams. A curious mind and willingness to learn are essential.",
        {"technical_expertise", "analytical_thinking", "innovation", "communication", "learning_agility"},
    ),
]
