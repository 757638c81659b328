"""Texts for the regression suite (tests/test_regression.py), all written for it: nothing is copied from ../shared.

Three unrelated English wire stories (a hospital strike, a satellite launch failure, a football transfer), each
with five derived texts:
  LIGHT        the story with a new headline, a few words changed, one sentence cut and a closing sentence added;
  REWRITE      a language-model-style rewrite: every sentence reworded, same facts in the same order, quotes kept;
  SUMMARY      a brief of 70-120 words in other words, in the story's order;
  PARTIAL      a new, broader article that reuses exactly two consecutive paragraphs of the story word for word;
  INDEPENDENT  another reporter's account of the same event, written without seeing the story.
Plus a French story (a storm) with a rewrite and an independent report, and short Spanish and German stories
with a light edit each. ORIGINALS and DERIVED at the end gather them for the tests.
"""

from __future__ import annotations

# --------------------------------------------------------------------------------------------------------------
# 1. A regional hospital strike
# --------------------------------------------------------------------------------------------------------------

HOSPITAL_TITLE = "Nurses at Northbrook General walk out over pay and staffing"

HOSPITAL = """Nurses at Northbrook General Hospital began a 48-hour strike on Thursday morning, the first walkout at the regional hospital in more than thirty years, after talks over pay and staffing collapsed late on Wednesday night.

About 1,100 nurses and midwives, members of the Allied Nurses Union, formed picket lines outside the main entrance from 7 a.m. The hospital said it had postponed 340 planned operations and around 2,000 outpatient appointments, although its emergency department, maternity ward and intensive care unit remained open with reduced staff.

The union is seeking a pay rise of 9 percent over two years and a legally binding limit of six patients per nurse on general wards. Hospital managers have offered 4.5 percent and a review of staffing levels to be completed by the end of the year.

"We are not walking out because we want to, we are walking out because we are exhausted," said Helen Marsh, a ward sister with 22 years at the hospital who chairs the union branch. "Some nights one nurse is looking after twelve patients. That is not safe for anyone."

Chief executive David Okonjo said the hospital could not afford the union's demands without cutting other services. The trust that runs Northbrook General ended the last financial year with a deficit of 18 million pounds, and he said each percentage point of pay for nursing staff would cost about 2.3 million pounds a year.

"Our door remains open, and we want to get back around the table as soon as possible," Okonjo told reporters outside the hospital. "But I have a duty to keep the whole hospital running, not just one part of it."

Patients arriving at the hospital on Thursday were met by volunteers directing them to the emergency entrance. Ruth Ellison, 67, who had been due to have a hip replacement, said she understood the nurses' anger but had already waited fourteen months for the operation.

The regional health minister, Alan Pryce, urged both sides to accept independent mediation. The union has said a second, five-day strike will follow later this month if no improved offer is made."""

HOSPITAL_LIGHT_TITLE = "Northbrook General nurses strike for first time in three decades"

HOSPITAL_LIGHT = """Nurses at Northbrook General Hospital started a 48-hour strike on Thursday morning, the first walkout at the regional hospital in more than thirty years, after talks over pay and staffing broke down late on Wednesday night.

About 1,100 nurses and midwives, members of the Allied Nurses Union, formed picket lines outside the main entrance from 7 a.m. The hospital said it had postponed 340 planned operations and some 2,000 outpatient appointments, although its emergency department, maternity ward and intensive care unit stayed open with reduced staff.

The union is seeking a pay rise of 9 percent over two years and a legally binding limit of six patients per nurse on general wards. Hospital managers have offered 4.5 percent and a review of staffing levels to be finished by the end of the year.

"We are not walking out because we want to, we are walking out because we are exhausted," said Helen Marsh, a ward sister with 22 years at the hospital who chairs the local union branch. "Some nights one nurse is looking after twelve patients. That is not safe for anyone."

Chief executive David Okonjo said the hospital could not afford the union's demands without cutting other services.

"Our door remains open, and we want to get back around the table as soon as possible," Okonjo told reporters outside the hospital. "But I have a duty to keep the whole hospital running, not just one part of it."

Patients arriving on Thursday were met by volunteers directing them to the emergency entrance. Ruth Ellison, 67, who had been due to have a hip replacement, said she understood the nurses' frustration but had already waited fourteen months for the operation.

The regional health minister, Alan Pryce, urged both sides to accept independent mediation. The union has said a second, five-day strike will follow later this month if no improved offer is made. No date has yet been set for talks to resume."""

HOSPITAL_REWRITE = """On Thursday morning, nursing staff at Northbrook General Hospital launched a two-day stoppage, the regional hospital's first industrial action in over three decades, following the breakdown of negotiations on wages and staffing levels late the previous evening.

Roughly 1,100 nurses and midwives belonging to the Allied Nurses Union gathered on picket lines at the front of the building from seven o'clock. According to the hospital, 340 scheduled operations and approximately 2,000 outpatient appointments have been pushed back, while emergency care, the maternity unit and intensive care kept operating with fewer people on shift.

What the union wants is a 9 percent increase spread across two years, together with a legally enforceable cap of six patients for every nurse on general wards. Management has put forward 4.5 percent instead, plus a staffing review due to conclude before the year is out.

Helen Marsh, who leads the local branch and has spent 22 years at the hospital as a ward sister, described the mood among her colleagues. "We are not walking out because we want to, we are walking out because we are exhausted," she said. "Some nights one nurse is looking after twelve patients. That is not safe for anyone."

David Okonjo, the chief executive, argued that meeting those demands would force reductions elsewhere in the hospital. The trust responsible for Northbrook General closed its previous financial year 18 million pounds in the red, and by his estimate every extra percentage point on nurses' salaries would add roughly 2.3 million pounds to its annual costs.

Speaking to journalists at the hospital gates, Okonjo said: "Our door remains open, and we want to get back around the table as soon as possible." He added: "But I have a duty to keep the whole hospital running, not just one part of it."

Volunteers were on hand throughout Thursday to guide incoming patients towards the emergency entrance. Among those affected was 67-year-old Ruth Ellison, who had been booked in for a hip replacement; she said she sympathised with the nurses' frustration but had already spent fourteen months waiting for surgery.

Alan Pryce, the region's health minister, called on the two parties to agree to independent mediation. Should no better offer materialise, the union has warned, a further walkout lasting five days will take place before the month is over."""

HOSPITAL_SUMMARY = """Around 1,100 nurses and midwives at Northbrook General Hospital started a 48-hour strike on Thursday, the hospital's first in over 30 years, after pay and staffing talks broke down. The hospital put off 340 operations and about 2,000 outpatient appointments but kept emergency, maternity and intensive care running. The Allied Nurses Union wants 9 percent over two years and a cap of six patients per nurse; managers have offered 4.5 percent and a staffing review. Branch chair Helen Marsh said nurses were exhausted and overstretched. Chief executive David Okonjo said the trust, 18 million pounds in deficit, could not pay more without cuts elsewhere. Health minister Alan Pryce urged mediation, and the union threatens a five-day strike later this month."""

HOSPITAL_PARTIAL = """Hospitals across the northern region are running with one in nine nursing posts unfilled, according to figures published this week by the Regional Health Observatory, and managers warn that the gap is widening faster than new training places can close it.

The observatory counted 4,700 vacant nursing posts in the region's fourteen hospital trusts at the end of March, up from 3,100 two years earlier. Spending on agency nurses, who can cost up to three times the hourly rate of permanent staff, reached 96 million pounds last year.

The shortage came to a head this week at Northbrook General Hospital, where nurses have gone on strike for the first time in a generation.

The union is seeking a pay rise of 9 percent over two years and a legally binding limit of six patients per nurse on general wards. Hospital managers have offered 4.5 percent and a review of staffing levels to be completed by the end of the year.

"We are not walking out because we want to, we are walking out because we are exhausted," said Helen Marsh, a ward sister with 22 years at the hospital who chairs the union branch. "Some nights one nurse is looking after twelve patients. That is not safe for anyone."

Similar complaints are heard elsewhere. At Castlegate Infirmary, forty miles to the south, staff surveyed in April reported that night shifts were short of at least one nurse on more than half of all wards. At Linfield Community Hospital, a children's ward was closed for three weeks in February because there were not enough qualified staff to open it safely.

Professor Ann Whitlow, who studies the health workforce at the University of Harrowgate, said the problem had been building for a decade. "We trained too few nurses in the 2010s, and now we are losing experienced people faster than we can replace them," she said. "People leave when every shift feels like an emergency."

Applications to nursing degrees in the region fell by 12 percent this year, the second annual decline in a row. The regional government has promised 2,000 additional training places by 2028 and a bursary of 5,000 pounds a year for students who agree to work locally after graduating.

Critics say the plan does nothing for the immediate crisis. "Students who start in September will not be on the wards for three years," said Marcus Fell, a spokesman for the Patients First campaign group. "What are hospitals supposed to do until then?\""""

HOSPITAL_INDEPENDENT = """Ward sister Helen Marsh arrived at Northbrook General Hospital before dawn on Thursday, not for a shift but to hand out placards. By seven, several hundred of her colleagues had joined her at the gates for the first strike at the hospital since 1989.

The Allied Nurses Union says around 1,100 of its members are taking part in the 48-hour stoppage. The dispute turns on two demands: a 9 percent rise spread over two years, and a cap, written into law, of six patients for each nurse on a general ward. Management has put 4.5 percent on the table, with a promise to look again at staffing.

Marsh, who has worked at Northbrook for 22 years, said nurses had backed action by 87 percent on a turnout of 71 percent. "People think this is about money. It is really about going home at the end of a shift knowing you did the job properly," she said.

Inside, corridors were unusually quiet. The trust said 340 operations had been put off, most of them hip, knee and cataract procedures, and most outpatient clinics were cancelled. Agency nurses and managers with clinical qualifications were covering the emergency department, intensive care and the maternity unit, where four babies were born overnight.

The trust, which also runs community hospitals at Eastleigh Vale and Dunmore, has been in financial trouble for years and reported a deficit of 18 million pounds in its latest accounts. In a statement, chief executive David Okonjo said: "Our door remains open, and we want to get back around the table as soon as possible."

Northbrook General opened in 1974 and has 640 beds. It serves about 450,000 people in the valley and the surrounding towns, and its emergency department treated a record 98,000 patients last year.

Not every patient was sympathetic. Derek Hollis, 58, whose gallbladder operation was cancelled on Wednesday evening, said he had taken unpaid leave from his job as a bus driver for the procedure. "I back the nurses, but I am the one paying for this," he said.

Union officials said a five-day strike could follow later this month. The office of the regional health minister, Alan Pryce, said it had offered to pay for independent mediation and was waiting for both sides to reply."""

# --------------------------------------------------------------------------------------------------------------
# 2. A satellite launch failure
# --------------------------------------------------------------------------------------------------------------

SATELLITE_TITLE = "Weather satellite lost after rocket fails minutes into flight"

SATELLITE = """A European weather satellite worth an estimated 310 million euros was lost on Tuesday after the rocket carrying it failed less than four minutes after lifting off from the Kourou spaceport in French Guiana.

The Vesta-C rocket, operated by the launch company Orbis Launch Services, left the pad at 21:14 local time. Telemetry showed the second stage igniting normally, but controllers lost contact with the vehicle shortly afterwards, and the range safety team later confirmed that the rocket and its payload had fallen into the Atlantic Ocean.

The satellite, called Meridian-4, was built for the European Atmospheric Monitoring Organisation (EAMO). It carried an infrared sounder that would have improved storm forecasts across Europe and North Africa for at least twelve years. The 3.2-tonne spacecraft had taken nine years to design and build at Astrea's plant in Toulouse.

"This is a very hard night for everyone who has worked on this mission, some of them for more than a decade," said Orbis chief executive Martina Keller at a news conference in Kourou. "We will find out what happened, and we will fix it."

It was the first failure in 23 flights of the Vesta-C, which entered service in 2019. Keller said an independent inquiry board would be set up within days and that all further Vesta-C launches were suspended until its findings were known. Two more flights had been planned for this year, including one with a communications satellite for a Brazilian operator.

EAMO director-general Pieter Van Damme said the satellite was insured, but that replacing it would take at least four years. "The money can be recovered. The time cannot," he said. "Our forecasters were counting on this instrument."

The agency still operates three older Meridian satellites, the oldest of which was launched in 2011 and is close to running out of fuel. Van Damme said engineers would study whether its life could be extended to cover the gap. Its two younger sister satellites, launched in 2015 and 2018, are expected to keep working until the end of the decade.

Shares in Orbis's parent company, the Franco-Italian group Astrea Industries, fell 7 percent in early trading in Paris on Wednesday. Analysts said the grounding could cost Orbis several contracts."""

SATELLITE_LIGHT_TITLE = "Meridian-4 weather satellite lost in Vesta-C launch failure"

SATELLITE_LIGHT = """A European weather satellite worth an estimated 310 million euros was lost on Tuesday after the rocket carrying it failed less than four minutes after lift-off from the Kourou spaceport in French Guiana.

The Vesta-C rocket, operated by Orbis Launch Services, left the pad at 21:14 local time. Telemetry showed the second stage igniting normally, but controllers lost contact with the vehicle shortly afterwards, and the range safety team later confirmed that the rocket and its payload had fallen into the Atlantic.

The satellite, called Meridian-4, was built for the European Atmospheric Monitoring Organisation (EAMO). It carried an infrared sounder that would have improved storm forecasts across Europe and North Africa for at least twelve years. The 3.2-tonne spacecraft had taken nine years to design and build at Astrea's plant in Toulouse.

"This is a very hard night for everyone who has worked on this mission, some of them for more than a decade," said Orbis chief executive Martina Keller at a press conference in Kourou. "We will find out what happened, and we will fix it."

It was the first failure in 23 flights of the Vesta-C, which entered service in 2019. Keller said an independent inquiry board would be set up within days and that all further Vesta-C launches were suspended until its findings were known.

EAMO director-general Pieter Van Damme said the satellite was insured, but that replacing it would take at least four years. "The money can be recovered. The time cannot," he said. "Our forecasters were counting on this instrument."

The agency still operates three older Meridian satellites, the oldest of which was launched in 2011 and is nearly out of fuel. Van Damme said engineers would study whether its life could be extended to bridge the gap. Its two younger sister satellites, launched in 2015 and 2018, are expected to keep working until the end of the decade.

Shares in Orbis's parent company, the Franco-Italian group Astrea Industries, fell 7 percent in early trading in Paris on Wednesday. Analysts said the grounding could cost Orbis several contracts. The company said it would publish a first assessment of the failure next week."""

SATELLITE_REWRITE = """On Tuesday, a European weather satellite valued at around 310 million euros was destroyed when its launch vehicle malfunctioned under four minutes into its flight from the Kourou spaceport in French Guiana.

Orbis Launch Services' Vesta-C cleared the launch pad at 21:14 local time. Although data from the vehicle indicated that the second stage had fired as expected, ground teams lost the signal soon after, and range safety officials subsequently confirmed that both the launcher and its cargo had come down in the Atlantic.

Named Meridian-4, the spacecraft had been constructed for the European Atmospheric Monitoring Organisation (EAMO). Its infrared sounding instrument was meant to sharpen storm predictions for Europe and North Africa over a period of no less than twelve years. Designing and assembling the 3.2-tonne craft at Astrea's Toulouse factory had taken nine years.

Addressing the media in Kourou, Martina Keller, who heads Orbis, spoke of the toll on the team. "This is a very hard night for everyone who has worked on this mission, some of them for more than a decade," she said. "We will find out what happened, and we will fix it."

Since its debut in 2019, the Vesta-C had flown 22 times without a mishap. Keller announced that an independent board of inquiry would be convened in the coming days, and that the rocket would stay grounded until it had reported. A further two missions had been scheduled for the current year, one of them carrying a communications spacecraft for a customer in Brazil.

According to Pieter Van Damme, EAMO's director-general, the loss was covered by insurance, yet building a successor would take a minimum of four years. "The money can be recovered. The time cannot," he said. "Our forecasters were counting on this instrument."

Three earlier Meridian spacecraft remain in service with the organisation; the first of them went up in 2011 and has almost exhausted its propellant. Engineers will now examine whether its working life can be stretched to fill the gap, Van Damme said. The remaining pair, which reached orbit in 2015 and 2018, should stay operational until about 2030.

In Paris on Wednesday, the stock of Astrea Industries, the Franco-Italian group that owns Orbis, dropped 7 percent shortly after the market opened. Market watchers warned that Orbis might lose a number of customers while its rocket stays on the ground."""

SATELLITE_SUMMARY = """Meridian-4, a European weather satellite valued at about 310 million euros, was lost on Tuesday when the Vesta-C rocket carrying it failed under four minutes after launch from Kourou and fell into the Atlantic. Built for the European Atmospheric Monitoring Organisation, it was meant to improve storm forecasts for twelve years. Orbis Launch Services chief Martina Keller promised to find and fix the cause. The failure, the rocket's first in 23 flights, has grounded it pending an independent inquiry. EAMO head Pieter Van Damme said the satellite was insured but a replacement would take four years, and engineers will try to prolong an ageing Meridian satellite. Shares in parent company Astrea Industries fell 7 percent."""

SATELLITE_PARTIAL = """Europe's commercial launch industry was under pressure long before this week. Cheaper reusable rockets from American competitors have taken a growing share of the market for placing satellites in orbit, and European operators have lost at least nine contracts to them in the past eighteen months, according to the consultancy Skyline Analytics.

The loss of a weather satellite over the Atlantic on Tuesday night has made that position harder still.

It was the first failure in 23 flights of the Vesta-C, which entered service in 2019. Keller said an independent inquiry board would be set up within days and that all further Vesta-C launches were suspended until its findings were known. Two more flights had been planned for this year, including one with a communications satellite for a Brazilian operator.

EAMO director-general Pieter Van Damme said the satellite was insured, but that replacing it would take at least four years. "The money can be recovered. The time cannot," he said. "Our forecasters were counting on this instrument."

Industry analysts say the grounding could hardly have come at a worse moment. Orbis had been counting on a steady flight rate to win back customers, and its larger rocket, the Vesta-H, is not expected to fly before 2027 after repeated delays to its engine programme.

"Reliability is the one thing European launchers could always sell," said Henrik Dahl, a space industry analyst at Skyline Analytics. "If that reputation goes, there is very little left to compete on, because they cannot win on price."

Governments are also weighing their options. Ministers from the European Space Council are due to meet in Brussels in November to discuss funding for the next generation of launchers, and several member states want a competition that would let smaller start-up companies bid for institutional missions.

One of those start-ups, the German firm Nordlicht Raumfahrt, flew its small launcher successfully for the first time from a site in northern Norway in June. Its founder, Katrin Ober, said this week that Europe needed "more rockets, from more companies, not fewer".

Insurers are expected to raise premiums for launches on new or recently failed vehicles, which brokers say could add several million euros to the cost of each mission. For operators already struggling to match American prices, that may be the most lasting damage of all."""

SATELLITE_INDEPENDENT = """Forecasters across Europe face a wait of at least four more years for a new generation of storm-tracking data after the Meridian-4 satellite was destroyed in a launch failure over the Atlantic on Tuesday night.

The spacecraft, which weighed 3.2 tonnes and took nine years to design and build, was riding on a Vesta-C rocket that lifted off from Kourou in French Guiana at 21:14 local time. Spectators at the public viewing area in the town watched it climb cleanly through low cloud. About three and a half minutes later the mission clock on the official webcast froze and the commentary fell silent.

Orbis Launch Services, which operates the rocket, confirmed about an hour later that the vehicle had been lost along with its payload. Debris is believed to have come down roughly 600 kilometres north-east of the launch site, far from shipping lanes, the company said.

The accident ends an unbroken run for the Vesta-C, which had flown 22 successful missions since 2019. Martina Keller, the company's chief executive, said the rocket would not fly again until an independent inquiry had identified the cause. "We will find out what happened, and we will fix it," she said.

The European Atmospheric Monitoring Organisation, which paid for the satellite, put its value at 310 million euros, a sum covered by insurance. Its main instrument, an infrared sounder, was designed to measure temperature and moisture at different heights in the atmosphere, readings meteorologists say are vital for predicting where thunderstorms and torrential rain will form.

Sofia Rinaldi, a meteorologist at the University of Bologna who worked on the sounder's science team, watched the launch at home with her family. "Part of my career was on that rocket," she said. "We will build another one, but many of us will be close to retirement by the time the data arrives."

EAMO's director-general, Pieter Van Damme, said the organisation would try to keep its oldest spacecraft, Meridian-1, working beyond its planned retirement. Launched in 2011, it has little fuel left to hold its position.

Orbis had two further Vesta-C launches on its schedule this year and did not say when it expected the inquiry to report. Its parent, Astrea Industries, saw its shares drop 7 percent in Paris on Wednesday."""

# --------------------------------------------------------------------------------------------------------------
# 3. A football transfer
# --------------------------------------------------------------------------------------------------------------

TRANSFER_TITLE = "Rivermouth City sign striker Tomás Arriaga in club-record deal"

TRANSFER = """Rivermouth City have signed the Uruguayan striker Tomás Arriaga from Portuguese club Sporting Atlântico for a club-record fee of 48 million euros, ending a transfer saga that had dragged on for most of the summer.

The 24-year-old passed a medical on Monday and signed a five-year contract worth a reported 120,000 pounds a week, making him the highest-paid player in the club's history. The fee could rise to 55 million euros with add-ons linked to appearances and European qualification.

Arriaga scored 31 goals in all competitions last season, finishing as the top scorer in the Portuguese league, and has won 14 caps for Uruguay. He joined Sporting Atlântico three years ago from Club Atlético Rivera in his home country. Several clubs in England and Italy were reported to have been interested before Rivermouth agreed terms.

"From the first conversation with the manager I knew this was the place I wanted to be," Arriaga told the club's website. "I have come here to score goals and to win trophies, nothing less."

Manager Gareth Lowe, who identified the striker as his top target in May, said the club had been patient through a negotiation that at one stage appeared to have collapsed. Sporting Atlântico had initially demanded 60 million euros and rejected two earlier bids. Talks stalled in July when the Portuguese club insisted on a large share of any future sale.

"Tomás has everything a modern forward needs: pace, strength and a ruthless finish," Lowe said. "He is also hungry to learn, and that is what convinced me."

Rivermouth finished ninth in the Premier League last season and scored only 44 goals, the fewest of any side in the top half. Chairman Simon Achterberg has promised supporters a push for European football, and Arriaga is the club's fourth signing of the window, taking summer spending past 110 million pounds. Season-ticket sales are up 12 percent on last year.

He is expected to make his debut in Saturday's home game against Norbury Athletic, subject to international clearance. Lowe has said he will not rush him, however, after a pre-season in which Arriaga played only twice because of a minor hamstring problem."""

TRANSFER_LIGHT_TITLE = "Arriaga joins Rivermouth for record 48m euros"

TRANSFER_LIGHT = """Rivermouth City have signed the Uruguayan striker Tomás Arriaga from Portuguese side Sporting Atlântico for a club-record fee of 48 million euros, ending a transfer saga that had dragged on for much of the summer.

The 24-year-old passed a medical on Monday and signed a five-year contract worth a reported 120,000 pounds a week, making him the best-paid player in the club's history. The fee could rise to 55 million euros with add-ons linked to appearances and European qualification.

Arriaga scored 31 goals in all competitions last season, finishing as the top scorer in the Portuguese league, and has won 14 caps for Uruguay. He joined Sporting Atlântico three years ago from Club Atlético Rivera in his home country.

"From the first conversation with the manager I knew this was the place I wanted to be," Arriaga told the club's website. "I have come here to score goals and to win trophies, nothing less."

Manager Gareth Lowe, who identified the striker as his main target in May, said the club had been patient through a negotiation that at one point appeared to have collapsed. Sporting Atlântico had initially demanded 60 million euros and rejected two earlier bids. Talks stalled in July when the Portuguese club insisted on a large share of any future sale.

"Tomás has everything a modern forward needs: pace, strength and a ruthless finish," Lowe said. "He is also hungry to learn, and that is what convinced me."

Rivermouth finished ninth in the Premier League last season and scored only 44 goals, the fewest of any side in the top half. Chairman Simon Achterberg has promised supporters a push for European football, and Arriaga is the club's fourth signing of the window, taking summer spending beyond 110 million pounds. Season-ticket sales are up 12 percent on last year.

He is expected to make his debut in Saturday's home game against Norbury Athletic, subject to international clearance. Lowe has said he will not rush him, however, after a pre-season in which Arriaga played only twice because of a minor hamstring problem. Tickets for the match sold out within hours of the announcement."""

TRANSFER_REWRITE = """Uruguayan forward Tomás Arriaga has moved to Rivermouth City from Sporting Atlântico of Portugal in a deal worth a club-record 48 million euros, bringing to a close a protracted pursuit that occupied much of the close season.

After completing medical checks on Monday, the 24-year-old put pen to paper on a five-year agreement said to pay him 120,000 pounds each week, the largest salary Rivermouth have ever handed out. Bonuses tied to how often he plays and to qualification for Europe could lift the overall sum to 55 million euros.

Last term Arriaga found the net 31 times across every competition, ending the campaign as the Portuguese top flight's leading marksman, and he has represented his country on 14 occasions. Three years ago he had crossed the Atlantic to Sporting Atlântico, leaving Club Atlético Rivera in Uruguay. A number of English and Italian sides were said to be keen before Rivermouth struck an agreement.

Speaking to the club's website, Arriaga said: "From the first conversation with the manager I knew this was the place I wanted to be." He continued: "I have come here to score goals and to win trophies, nothing less."

Gareth Lowe, the manager, had singled the forward out as his number one priority back in May, and he praised the club's patience during talks that at one point looked dead. The Portuguese side had originally asked for 60 million euros and turned down a pair of previous offers. Negotiations ground to a halt in July over the Portuguese side's demand for a sizeable cut of any resale.

"Tomás has everything a modern forward needs: pace, strength and a ruthless finish," Lowe said. "He is also hungry to learn, and that is what convinced me."

In the last campaign Rivermouth ended up ninth in the Premier League with a meagre 44 goals, fewer than any other team in the upper half of the table. Simon Achterberg, the club's chairman, has pledged that the team will challenge for a European place, and Arriaga, the fourth new face of this window, pushes the summer outlay beyond 110 million pounds. Compared with a year ago, the club has sold 12 percent more season tickets.

Provided the paperwork for his international clearance comes through, he is in line for a first appearance when Norbury Athletic visit on Saturday. Even so, Lowe intends to ease him in gently, as a slight hamstring strain limited the striker to two pre-season outings."""

TRANSFER_SUMMARY = """Rivermouth City have bought Uruguayan striker Tomás Arriaga from Sporting Atlântico for a club-record 48 million euros after a summer-long saga. The 24-year-old agreed a five-year deal reportedly worth 120,000 pounds a week, and add-ons could take the fee to 55 million. Top scorer in Portugal last season with 31 goals, he has 14 Uruguay caps. He said he had come to score and win trophies. Manager Gareth Lowe, who made him his main target in May, praised his pace, strength and finishing after the Portuguese club turned down two bids. Rivermouth, ninth last season with just 44 goals, have now spent over 110 million pounds this summer. Arriaga may debut against Norbury Athletic on Saturday."""

TRANSFER_PARTIAL = """Clubs outside the Premier League's traditional elite have spent more than ever this summer, with the ten sides that finished between seventh and sixteenth last season paying a combined 1.3 billion pounds in transfer fees with a fortnight of the window still to run, according to figures compiled by Carrick Sports Finance.

The latest and largest of those deals was completed on Monday, when Rivermouth City confirmed the arrival of the Uruguayan striker Tomás Arriaga.

The 24-year-old passed a medical on Monday and signed a five-year contract worth a reported 120,000 pounds a week, making him the highest-paid player in the club's history. The fee could rise to 55 million euros with add-ons linked to appearances and European qualification.

Arriaga scored 31 goals in all competitions last season, finishing as the top scorer in the Portuguese league, and has won 14 caps for Uruguay. He joined Sporting Atlântico three years ago from Club Atlético Rivera in his home country. Several clubs in England and Italy were reported to have been interested before Rivermouth agreed terms.

The deal is typical of a market in which mid-table clubs, flush with money from the league's latest broadcasting contract, compete directly with Europe's biggest names for players. Last month Hallam Rovers paid 41 million pounds for the French midfielder Yanis Belkacem, and Eastport United broke their own transfer record twice in a single week.

"The television money has changed who can afford whom," said Laura Pemberton, head of sports finance at Carrick. "A club finishing twelfth in England now has more to spend than a club winning the title in Portugal or the Netherlands, and the selling clubs know it."

Not everyone is convinced the spending can last. Wage bills at seven of the ten clubs rose faster than revenue last season, and two of them reported pre-tax losses of more than 60 million pounds. New league rules limiting squad costs to 70 percent of income come into force next year, and several finance directors privately expect to have to sell before they can buy again.

Supporters' groups have raised concerns about ticket prices, which went up at eight of the ten clubs this summer. "Fans are being asked to pay for a transfer arms race they never voted for," said Neil Ashdown of the Football Supporters' Network.

The window closes on 1 September, and agents expect at least three more deals above 30 million pounds before then."""

TRANSFER_INDEPENDENT = """Rivermouth City finally got their man on Monday. After almost three months of talks, two rejected offers and a very public falling-out between the clubs, Tomás Arriaga has joined from Sporting Atlântico for 48 million euros, the most Rivermouth have ever paid for a player.

The striker flew in on Sunday evening and was greeted at the airport by around two hundred supporters. He completed his medical at the club's Hedley Park training ground the next morning and was presented to the media, wearing a blue scarf, that afternoon.

The breakthrough came last week, according to people close to the negotiations, when Rivermouth agreed to hand Sporting Atlântico 15 percent of any future sale, a condition the Portuguese club had insisted on from the start. In July its president, Rui Carvalhal, had accused Rivermouth of trying to buy a sports car at the price of a bicycle.

Arriaga, 24, grew up in Salto in north-western Uruguay and moved to Portugal from Club Atlético Rivera for 6 million euros three years ago. He was the Portuguese league's top scorer last season with 31 goals and has 14 caps for his country, with five international goals.

His arrival addresses an obvious weakness. Rivermouth managed 44 league goals last season, fewer than any team in the top half, and manager Gareth Lowe made a new striker his priority as soon as the campaign ended. Lowe travelled to Portugal three times in the spring to watch Arriaga play.

"Tomás has everything a modern forward needs: pace, strength and a ruthless finish," Lowe said at the unveiling, adding that the player's work rate had impressed him as much as his goals.

The contract runs for five years. Rivermouth did not disclose his wages, but they are understood to exceed those of anyone else at the club, and performance clauses could raise the fee by a further 7 million euros.

Arriaga is Rivermouth's fourth new player of the summer, taking spending past 110 million pounds. He could face Norbury Athletic on Saturday if his international clearance arrives in time."""

# --------------------------------------------------------------------------------------------------------------
# 4. French: a storm on the Vendée coast
# --------------------------------------------------------------------------------------------------------------

TEMPETE_TITLE = "Tempête Gaëlle : Port-Saint-Yves inondée, l'hôpital évacué en partie"

TEMPETE = """La tempête Gaëlle a frappé la côte vendéenne dans la nuit de dimanche à lundi, avec des rafales mesurées à 162 km/h à la pointe de Port-Saint-Yves, d'après Météo-France. Près de 48 000 foyers étaient encore privés d'électricité lundi en fin de matinée.

À Port-Saint-Yves, la mer a envahi le front de mer et plusieurs rues du centre-ville. Les pompiers ont effectué 230 interventions et évacué 41 personnes, dont une dizaine de résidents d'une maison de retraite. L'aile est de l'hôpital local, inondée au rez-de-chaussée, a dû être vidée : ses 28 patients ont été transférés à La Roche-sur-Yon.

« On n'avait jamais vu l'eau monter aussi vite. En vingt minutes, elle arrivait aux genoux », raconte Jeanne Le Bihan, commerçante installée sur le port depuis trente ans.

Le maire, Olivier Guérin, a annoncé qu'il demanderait dès mardi la reconnaissance de l'état de catastrophe naturelle. « Les dégâts se comptent en millions d'euros, et il faudra des mois pour tout remettre en état », a-t-il déclaré lors d'un point presse à la mairie.

La préfète de la Vendée, Claire Montagnac, a indiqué qu'aucune victime n'était à déplorer, mais qu'un marin pêcheur avait été légèrement blessé en tentant d'amarrer son bateau. Les écoles de la commune resteront fermées jusqu'à mercredi, le temps de vérifier l'état des bâtiments.

Enedis a mobilisé 600 techniciens pour rétablir le courant. L'entreprise estime qu'il faudra au moins 72 heures avant que l'ensemble des clients soient reconnectés. « Nos équipes travaillent jour et nuit, mais certains secteurs restent inaccessibles », a précisé un porte-parole.

Les services de l'État ont par ailleurs interdit l'accès aux plages et aux sentiers côtiers jusqu'à nouvel ordre. Météo-France a levé lundi à 14 heures la vigilance orange vagues-submersion, mais prévient que de fortes averses restent attendues dans la soirée."""

TEMPETE_REWRITE = """D'après Météo-France, des vents atteignant 162 km/h ont été enregistrés à la pointe de Port-Saint-Yves au passage de la tempête Gaëlle, qui s'est abattue sur le littoral de la Vendée entre dimanche soir et lundi matin. Lundi, à l'approche de midi, quelque 48 000 logements restaient sans courant.

Le front de mer de Port-Saint-Yves ainsi que de nombreuses rues du cœur de ville ont été submergés. Au total, les sapeurs-pompiers sont intervenus à 230 reprises et ont mis à l'abri 41 personnes, parmi lesquelles une dizaine de pensionnaires d'un établissement pour personnes âgées. L'eau ayant noyé le rez-de-chaussée de l'aile est de l'hôpital, il a fallu l'évacuer et conduire ses 28 malades jusqu'à La Roche-sur-Yon.

Jeanne Le Bihan, qui tient une boutique sur le port depuis trois décennies, témoigne : « On n'avait jamais vu l'eau monter aussi vite. En vingt minutes, elle arrivait aux genoux. »

Olivier Guérin, premier magistrat de la commune, entend solliciter dès mardi la reconnaissance de catastrophe naturelle. Devant les journalistes réunis à l'hôtel de ville, l'élu a affirmé : « Les dégâts se comptent en millions d'euros, et il faudra des mois pour tout remettre en état. »

Selon Claire Montagnac, qui représente l'État dans le département, on ne déplore aucun mort ; seul un pêcheur a été blessé sans gravité alors qu'il essayait d'attacher son embarcation. Jusqu'à mercredi, les établissements scolaires de la ville n'accueilleront pas d'élèves, afin qu'on puisse contrôler la solidité des locaux.

Du côté d'Enedis, 600 agents ont été déployés pour remettre le réseau en service, mais le gestionnaire table sur un délai minimal de trois jours avant le raccordement de tous les abonnés. « Nos équipes travaillent jour et nuit, mais certains secteurs restent inaccessibles », a souligné son porte-parole.

Les autorités ont en outre fermé plages et chemins du littoral au public pour une durée indéterminée. Si l'alerte orange aux vagues et à la submersion a pris fin lundi à 14 heures, Météo-France annonce encore des pluies abondantes pour la soirée."""

TEMPETE_INDEPENDENT = """Des algues sur les trottoirs, des voitures déplacées de plusieurs mètres, des vitrines éclatées : lundi matin, les habitants de Port-Saint-Yves découvraient l'ampleur des dégâts laissés par Gaëlle, la tempête qui a balayé la Vendée pendant la nuit.

Le coup de vent a coïncidé avec une marée de fort coefficient, 108, ce qui explique selon les prévisionnistes la brutalité de la submersion. La station de Météo-France de la pointe a relevé une rafale à 162 km/h peu après 3 heures du matin.

Sur le quai des Thoniers, Yann Péron, patron pêcheur, fait le compte : deux chalutiers ont rompu leurs amarres et se sont échoués contre la digue. « Je pêche ici depuis l'âge de seize ans, je n'ai jamais vu un truc pareil », confie-t-il, les bottes encore pleines d'eau.

À l'hôpital, la direction a fait transférer dans la nuit 28 patients vers La Roche-sur-Yon, l'eau ayant envahi le rez-de-chaussée d'un bâtiment. Un groupe électrogène a pris le relais pour le reste de l'établissement, qui n'a pas été touché.

Le maire, Olivier Guérin, qui a passé la nuit au centre de crise installé à la mairie, va engager la procédure de catastrophe naturelle. « Les dégâts se comptent en millions d'euros, et il faudra des mois pour tout remettre en état », estime-t-il. Une cellule d'aide aux sinistrés ouvrira mardi à la salle des fêtes.

Au total, les pompiers sont intervenus 230 fois sur la commune et ont mis en sécurité 41 personnes. La préfecture ne signale aucune victime ; un pêcheur a été légèrement blessé.

Côté électricité, près de 48 000 foyers vendéens étaient toujours dans le noir lundi midi. Enedis a dépêché 600 techniciens, dont une centaine venus de Bretagne. La tempête s'est ensuite décalée vers la Charente-Maritime, où des rafales de 130 km/h ont été mesurées sur l'île d'Oléron."""

# --------------------------------------------------------------------------------------------------------------
# 5. Spanish: water restrictions in a drought
# --------------------------------------------------------------------------------------------------------------

SEQUIA_TITLE = "Villalba del Río prohíbe regar jardines y llenar piscinas por la sequía"

SEQUIA = """El Ayuntamiento de Villalba del Río aprobó este martes restricciones al consumo de agua ante la peor sequía que sufre la comarca en dos décadas. A partir del lunes quedará prohibido regar jardines, llenar piscinas privadas y lavar coches con manguera.

El embalse de La Encina, que abastece a unos 38.000 vecinos, se encuentra al 19 por ciento de su capacidad, según la Confederación Hidrográfica del Guadalquivir. Hace un año estaba al 41 por ciento.

"No es una medida que tomemos a gusto, pero si no ahorramos ahora, en septiembre podríamos tener cortes por la noche", explicó la alcaldesa, Carmen Ruiz Olmedo.

Las multas por incumplir la ordenanza oscilarán entre 300 y 1.500 euros. Los agricultores de regadío, que ya sufrieron un recorte del 60 por ciento en su dotación, quedan fuera de la nueva norma.

La oposición criticó que el Ayuntamiento no haya invertido en reparar la red de tuberías, que pierde casi un tercio del agua por fugas."""

SEQUIA_LIGHT = """El Ayuntamiento de Villalba del Río aprobó el martes restricciones al consumo de agua ante la peor sequía que sufre la comarca en veinte años. Desde el lunes quedará prohibido regar jardines, llenar piscinas privadas y lavar coches con manguera.

El embalse de La Encina, que abastece a unos 38.000 vecinos, se encuentra al 19 por ciento de su capacidad, según la Confederación Hidrográfica del Guadalquivir.

"No es una medida que tomemos a gusto, pero si no ahorramos ahora, en septiembre podríamos tener cortes por la noche", explicó la alcaldesa, Carmen Ruiz Olmedo.

Las multas por incumplir la ordenanza irán de 300 a 1.500 euros. Los agricultores de regadío, que ya sufrieron un recorte del 60 por ciento en su dotación, quedan fuera de la nueva norma.

La oposición criticó que el Ayuntamiento no haya invertido en reparar la red de tuberías, que pierde casi un tercio del agua por fugas. El pleno volverá a revisar las medidas en octubre."""

# --------------------------------------------------------------------------------------------------------------
# 6. German: a bridge closed to lorries
# --------------------------------------------------------------------------------------------------------------

BRUECKE_TITLE = "Lindenau sperrt Alte Rheinbrücke für Lastwagen"

BRUECKE = """Die Stadt Lindenau sperrt die Alte Rheinbrücke ab dem 1. Juni für alle Fahrzeuge über 7,5 Tonnen. Bei einer Prüfung hatten Ingenieure Risse in mehreren Stahlträgern der 1958 eröffneten Brücke entdeckt.

Täglich überqueren rund 24.000 Fahrzeuge die Brücke, darunter etwa 1.800 Lastwagen. Diese müssen künftig einen Umweg von 19 Kilometern über die Autobahnbrücke bei Kesselheim nehmen. Viele Pendler aus dem Umland sind auf die Verbindung angewiesen.

„Die Sicherheit hat absoluten Vorrang. Wir können hier kein Risiko eingehen“, sagte Oberbürgermeister Frank Hüttner am Dienstag im Rathaus.

Ein Neubau soll nach Angaben der Stadt rund 140 Millionen Euro kosten und frühestens 2031 fertig sein. Bund und Land haben zugesagt, einen Großteil der Kosten zu übernehmen.

Die Industrie- und Handelskammer warnte vor erheblichen Belastungen für Speditionen und den Einzelhandel in der Innenstadt. Busse des Nahverkehrs dürfen die Brücke vorerst weiter nutzen, allerdings nur mit Tempo 30."""

BRUECKE_LIGHT = """Die Stadt Lindenau sperrt die Alte Rheinbrücke vom 1. Juni an für alle Fahrzeuge über 7,5 Tonnen. Bei einer Prüfung hatten Ingenieure Risse in mehreren Stahlträgern der 1958 eröffneten Brücke festgestellt.

Täglich überqueren rund 24.000 Fahrzeuge die Brücke, darunter etwa 1.800 Lastwagen. Diese müssen künftig einen Umweg von 19 Kilometern über die Autobahnbrücke bei Kesselheim fahren. Viele Pendler aus dem Umland sind auf die Verbindung angewiesen.

„Die Sicherheit hat absoluten Vorrang. Wir können hier kein Risiko eingehen“, sagte Oberbürgermeister Frank Hüttner am Dienstag.

Ein Neubau soll nach Angaben der Stadt rund 140 Millionen Euro kosten und frühestens 2031 fertig sein.

Die Industrie- und Handelskammer warnte vor erheblichen Belastungen für Speditionen und den Einzelhandel in der Innenstadt. Busse des Nahverkehrs dürfen die Brücke vorerst weiter nutzen, allerdings nur mit Tempo 30. Der Stadtrat berät am Donnerstag über zusätzliche Ampeln an der Umleitungsstrecke."""

# --------------------------------------------------------------------------------------------------------------
# Gathered for the tests
# --------------------------------------------------------------------------------------------------------------

# topic -> (title, body)
ORIGINALS: dict[str, tuple[str, str]] = {
    "hospital": (HOSPITAL_TITLE, HOSPITAL),
    "satellite": (SATELLITE_TITLE, SATELLITE),
    "transfer": (TRANSFER_TITLE, TRANSFER),
    "tempete": (TEMPETE_TITLE, TEMPETE),
    "sequia": (SEQUIA_TITLE, SEQUIA),
    "bruecke": (BRUECKE_TITLE, BRUECKE),
}

# (topic, kind) -> (title or None, body)
DERIVED: dict[tuple[str, str], tuple[str | None, str]] = {
    ("hospital", "light"): (HOSPITAL_LIGHT_TITLE, HOSPITAL_LIGHT),
    ("hospital", "rewrite"): (None, HOSPITAL_REWRITE),
    ("hospital", "summary"): (None, HOSPITAL_SUMMARY),
    ("hospital", "partial"): ("Nurse shortage pushes regional hospitals to the brink", HOSPITAL_PARTIAL),
    ("hospital", "independent"): (
        "Picket lines at Northbrook as nurses stage first strike since 1989",
        HOSPITAL_INDEPENDENT,
    ),
    ("satellite", "light"): (SATELLITE_LIGHT_TITLE, SATELLITE_LIGHT),
    ("satellite", "rewrite"): (None, SATELLITE_REWRITE),
    ("satellite", "summary"): (None, SATELLITE_SUMMARY),
    ("satellite", "partial"): (
        "Europe's rocket industry counts the cost of a troubled year",
        SATELLITE_PARTIAL,
    ),
    ("satellite", "independent"): (
        "Storm forecasts set back years as Meridian-4 is lost",
        SATELLITE_INDEPENDENT,
    ),
    ("transfer", "light"): (TRANSFER_LIGHT_TITLE, TRANSFER_LIGHT),
    ("transfer", "rewrite"): (None, TRANSFER_REWRITE),
    ("transfer", "summary"): (None, TRANSFER_SUMMARY),
    ("transfer", "partial"): ("Mid-table clubs lead record summer spending spree", TRANSFER_PARTIAL),
    ("transfer", "independent"): (
        "Arriaga completes move to Rivermouth after long stand-off",
        TRANSFER_INDEPENDENT,
    ),
    ("tempete", "rewrite"): (None, TEMPETE_REWRITE),
    ("tempete", "independent"): ("Port-Saint-Yves se réveille les pieds dans l'eau", TEMPETE_INDEPENDENT),
    ("sequia", "light"): ("Restricciones de agua en Villalba del Río", SEQUIA_LIGHT),
    ("bruecke", "light"): ("Alte Rheinbrücke: Lkw-Verbot ab Juni", BRUECKE_LIGHT),
}

# The paragraphs (0-based, consecutive) of the original that each PARTIAL reuses word for word.
PARTIAL_REUSES: dict[str, tuple[int, int]] = {"hospital": (2, 3), "satellite": (4, 5), "transfer": (1, 2)}
