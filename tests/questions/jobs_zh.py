# ruff: noqa: E501  (job descriptions are prose data)
"""覆盖多个行业的中文职位描述，以及招聘方期望题目覆盖的胜任力。为测试而写，不涉及真实雇主或个人。"""

JOBS_ZH = [
    (
        "研发经理（支付平台）",
        "负责带领10人后端团队完成支付平台的研发与交付；指导和培养工程师；与产品、业务等相关方沟通协调，推动项目落地。"
        "熟悉Java或Go微服务架构，具备良好的沟通能力和决策能力。",
        {
            "team_leadership",
            "developing_others",
            "technical_expertise",
            "stakeholder_management",
            "communication",
            "project_management",
            "decision_making",
        },
    ),
    (
        "客服专员",
        "通过电话和在线渠道解答客户咨询，处理客户投诉，提升客户满意度。要求服务意识强，耐心细致，抗压能力强，能适应倒班。",
        {"customer_orientation", "attention_to_detail", "resilience", "adaptability"},
    ),
    (
        "用户研究员",
        "负责产品的用户研究工作，包括用户访谈、可用性测试和问卷设计；输出用户洞察并向团队汇报；与设计、产品团队紧密协作。",
        {"user_research", "communication", "teamwork"},
    ),
    (
        "数据分析师",
        "负责业务数据分析，搭建报表和指标体系，使用SQL和Python进行数据处理；发现问题并提出改进建议。要求逻辑思维清晰，认真严谨。",
        {
            "analytical_thinking",
            "technical_expertise",
            "attention_to_detail",
            "problem_solving",
            "innovation",
        },
    ),
    (
        "急诊科护士",
        "为急诊患者提供护理服务，严格执行患者安全和护理规范，准确记录护理文书；与医生团队协作，能在高强度、快节奏环境下工作。",
        {"safety_awareness", "attention_to_detail", "teamwork", "resilience", "adaptability"},
    ),
    (
        "大客户销售经理",
        "负责开拓和维护大客户，完成销售业绩指标；进行商务谈判和合同签订；积极主动，结果导向。",
        {"sales", "customer_orientation", "negotiation", "drive_for_results"},
    ),
    (
        "工程项目经理",
        "全面负责建筑工程项目的进度、预算和质量管理；协调分包商和供应商；落实安全生产责任，定期向业主汇报。",
        {"project_management", "safety_awareness", "negotiation", "communication", "attention_to_detail"},
    ),
    (
        "运维工程师",
        "负责线上系统的稳定运行，排查和处理故障，做好根因分析；熟悉Linux、Docker和Kubernetes；参与值班，与开发团队协作。",
        {"technical_expertise", "problem_solving", "teamwork"},
    ),
    (
        "门店店长",
        "带领门店团队完成销售目标，提升顾客体验；负责新员工培训和排班，保持门店整洁有序。",
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
        "审计专员",
        "按照法规和公司制度开展内部审计，测试内控流程，分析财务数据；对审计信息严格保密，向管理层汇报审计发现。",
        {"integrity", "analytical_thinking", "stakeholder_management", "communication"},
    ),
    (
        "产品经理（移动端）",
        "负责移动端产品规划和需求优先级排序；与研发、设计团队紧密合作；通过数据分析和A/B实验驱动决策；对齐各相关方，推动产品落地。",
        {
            "project_management",
            "teamwork",
            "analytical_thinking",
            "stakeholder_management",
            "decision_making",
            "innovation",
        },
    ),
    (
        "仓库主管",
        "管理仓库班组15人，落实安全操作规范和劳动保护；完成生产效率指标；合理安排班次，及时处理现场问题，带教新员工。",
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
        "市场专员",
        "策划并执行线上线下营销活动，跟踪和分析活动数据，提出有创意的新思路；能够在快节奏环境中同时推进多个项目，与销售团队协作。",
        {"planning_and_organisation", "analytical_thinking", "innovation", "adaptability", "teamwork"},
    ),
    (
        "采购专员",
        "负责供应商寻源、询价和谈判，进行供应商管理；确保采购流程合规；分析采购数据，持续优化采购流程。",
        {"negotiation", "integrity", "analytical_thinking", "innovation"},
    ),
    (
        "前端开发工程师",
        "使用React和TypeScript开发前端页面，编写测试并调试兼容性问题；与设计师协作；学习能力强，能快速上手新技术。",
        {"technical_expertise", "problem_solving", "teamwork", "learning_agility"},
    ),
    (
        "酒店前厅经理",
        "带领前厅团队为宾客提供优质服务，妥善处理客户投诉，保持情绪稳定；负责员工培训和排班安排。",
        {
            "team_leadership",
            "customer_orientation",
            "resilience",
            "developing_others",
            "planning_and_organisation",
        },
    ),
    (
        "质量工程师",
        "负责生产线质量控制，检验零部件，对质量问题进行根因分析；推动持续改进；与供应商沟通，遵守安全规范。",
        {"attention_to_detail", "problem_solving", "innovation", "safety_awareness", "communication"},
    ),
    (
        "人力资源业务伙伴（HRBP）",
        "为业务管理层提供人力资源支持，影响和推动组织变革；辅导各级管理者；对员工信息保密；具备出色的沟通能力和判断力。",
        {"stakeholder_management", "developing_others", "integrity", "communication", "decision_making"},
    ),
    (
        "物流运营经理",
        "负责配送网络的日常运营，管理各班组负责人；分析运营指标，优化流程；在优先级变化时快速决策。",
        {"team_leadership", "analytical_thinking", "innovation", "decision_making", "adaptability"},
    ),
    (
        "中学数学教师",
        "制定教学计划并授课；与家长保持沟通；指导实习教师；根据学生差异调整教学方法，认真做好成绩记录。",
        {
            "planning_and_organisation",
            "communication",
            "developing_others",
            "adaptability",
            "attention_to_detail",
        },
    ),
    (
        "海外业务拓展经理",
        "开拓东南亚市场，寻找新客户和商机，建立客户关系，进行合作谈判；洞察行业趋势，与当地相关方保持良好合作。",
        {"sales", "customer_orientation", "negotiation", "strategic_thinking", "stakeholder_management"},
    ),
    (
        "算法工程师",
        "负责机器学习算法的研发与上线，使用Python进行数据分析和模型实验；向产品团队讲解结果；好奇心强，具备持续学习能力。",
        {"technical_expertise", "analytical_thinking", "innovation", "communication", "learning_agility"},
    ),
]
